package proxy

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/planner/plan"
)

// Nginx renders a reverse proxy as a complete nginx main configuration:
// per listener a default server answering 404 to unknown hosts, and one
// server per rule the listener serves, matched on the Host header.
func Nginx(rp plan.ReverseProxy, o Options) []byte {
	var b strings.Builder
	b.WriteString(Header)
	fmt.Fprintf(&b, `#
# Reverse proxy %s: the Skype for Business publishing rules for nginx.
# Reads, relative to this file's folder: tls/<certificate>.crt and .key
# (listener certificate with its chain, and key) and %s (the CA
# certificates that issued the back ends' certificates).
# Open-source nginx does not keep a back-end connection for one client
# connection, which NTLM needs; mobile clients sign in with web tickets.

worker_processes auto;

events {
    worker_connections 1024;
}

http {
    server_tokens off;
    server_names_hash_bucket_size 128;
    # TLS 1.2 is what current mobile clients require (HLB-008).
    ssl_protocols TLSv1.2 TLSv1.3;
    # Pass requests and responses through as they come: the UCWA event
    # channel is a long poll.
    proxy_http_version 1.1;
    proxy_buffering off;
    proxy_request_buffering off;
    client_max_body_size 0;
`, rp.Name, BackendCA)
	for _, l := range rp.Listeners {
		nginxListener(&b, l, sites(rp, l), o)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

func nginxListener(b *strings.Builder, l plan.Listener, ss []site, o Options) {
	addr := o.listen(l.IP, l.Port)
	ssl := ""
	if l.TLS {
		ssl = " ssl"
	}
	fmt.Fprintf(b, "\n    # Listener %s %s (%s).\n", l.Name, Options{}.listen(l.IP, l.Port), nginxKind(l))
	fmt.Fprintf(b, "    server {\n        listen %s%s default_server;\n        server_name _;\n", addr, ssl)
	nginxCert(b, l)
	b.WriteString("        return 404;\n    }\n")
	for _, s := range ss {
		r := s.rule
		fmt.Fprintf(b, "\n    # Rule %s (%s): %s.\n", r.Name, r.Why, backend(s, Options{}))
		fmt.Fprintf(b, "    server {\n        listen %s%s;\n", addr, ssl)
		fmt.Fprintf(b, "        server_name %s;\n", strings.ToLower(strings.Join(r.PublicNames, " ")))
		nginxCert(b, l)
		fmt.Fprintf(b, "\n        location / {\n            proxy_pass %s;\n", backend(s, o))
		if r.ForwardHostHeader {
			b.WriteString("            proxy_set_header Host $host;\n")
		}
		if s.bridge.BackScheme == "https" {
			b.WriteString("            proxy_ssl_server_name on;\n")
			if r.ForwardHostHeader {
				b.WriteString("            proxy_ssl_name $host;\n")
			}
			fmt.Fprintf(b, "            proxy_ssl_verify on;\n            proxy_ssl_verify_depth 4;\n            proxy_ssl_trusted_certificate %s;\n", BackendCA)
			b.WriteString("            proxy_ssl_protocols TLSv1.2 TLSv1.3;\n")
		}
		fmt.Fprintf(b, "            proxy_read_timeout %ds;\n            proxy_send_timeout %ds;\n", r.IdleTimeout, r.IdleTimeout)
		b.WriteString("        }\n    }\n")
	}
}

func nginxCert(b *strings.Builder, l plan.Listener) {
	if l.TLS {
		fmt.Fprintf(b, "        ssl_certificate %s;\n        ssl_certificate_key %s;\n", CertFile(l.Certificate), KeyFile(l.Certificate))
	}
}

func nginxKind(l plan.Listener) string {
	if l.TLS {
		return "TLS, certificate " + l.Certificate
	}
	return "plain HTTP"
}
