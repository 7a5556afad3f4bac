package proxy

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/internal/encode"
	"github.com/mobplan/mobplan/planner/plan"
)

// Nginx renders a reverse proxy as a complete nginx main configuration:
// per listener a default server answering 404 to unknown hosts, and one
// server per rule the listener serves, matched on the Host header. Every
// value goes through the nginx encoders (encode.go); one they refuse is
// an error.
func Nginx(rp plan.ReverseProxy, o Options) ([]byte, error) {
	if err := encode.Line(rp.Name); err != nil {
		return nil, fmt.Errorf("reverse proxy name cannot be written in an nginx comment: %w", err)
	}
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
		if err := nginxListener(&b, l, sites(rp, l), o); err != nil {
			return nil, fmt.Errorf("listener %q: %w", l.Name, err)
		}
	}
	b.WriteString("}\n")
	return []byte(b.String()), nil
}

func nginxListener(b *strings.Builder, l plan.Listener, ss []site, o Options) error {
	addr, err := o.listen(l.IP, l.Port)
	if err != nil {
		return err
	}
	planned, err := Options{}.listen(l.IP, l.Port)
	if err != nil {
		return err
	}
	ssl := ""
	if l.TLS {
		ssl = " ssl"
	}
	kind, err := nginxKind(l)
	if err != nil {
		return err
	}
	c, err := nginxComment("    ", fmt.Sprintf("Listener %s %s (%s).", l.Name, planned, kind))
	if err != nil {
		return err
	}
	cert, err := nginxCert(l)
	if err != nil {
		return err
	}
	b.WriteString("\n" + c)
	fmt.Fprintf(b, "    server {\n        listen %s%s default_server;\n        server_name _;\n", addr, ssl)
	b.WriteString(cert)
	b.WriteString("        return 404;\n    }\n")
	for _, s := range ss {
		r := s.rule
		shown, err := backend(s, Options{})
		if err != nil {
			return err
		}
		pass, err := backend(s, o)
		if err != nil {
			return err
		}
		names, err := nginxServerNames(r.PublicNames)
		if err != nil {
			return fmt.Errorf("rule %q: %w", r.Name, err)
		}
		c, err := nginxComment("    ", fmt.Sprintf("Rule %s (%s): %s.", r.Name, r.Why, shown))
		if err != nil {
			return fmt.Errorf("rule %q: %w", r.Name, err)
		}
		b.WriteString("\n" + c)
		fmt.Fprintf(b, "    server {\n        listen %s%s;\n", addr, ssl)
		fmt.Fprintf(b, "        server_name %s;\n", names)
		b.WriteString(cert)
		fmt.Fprintf(b, "\n        location / {\n            proxy_pass %s;\n", pass)
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
	return nil
}

func nginxCert(l plan.Listener) (string, error) {
	if !l.TLS {
		return "", nil
	}
	name, err := certName(l.Certificate)
	if err != nil {
		return "", err
	}
	crt, err := nginxString(CertFile(name))
	if err != nil {
		return "", err
	}
	key, err := nginxString(KeyFile(name))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("        ssl_certificate %s;\n        ssl_certificate_key %s;\n", crt, key), nil
}

// nginxKind says what a listener is, for comments (both products').
func nginxKind(l plan.Listener) (string, error) {
	if l.TLS {
		name, err := certName(l.Certificate)
		if err != nil {
			return "", err
		}
		return "TLS, certificate " + name, nil
	}
	return "plain HTTP", nil
}
