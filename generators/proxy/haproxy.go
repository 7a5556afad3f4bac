package proxy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mobplan/mobplan/planner/plan"
)

// HAProxy renders a reverse proxy as an HAProxy configuration: one
// frontend per listener choosing a backend by the Host header (unknown
// hosts get 404), one backend per rule and listener port. HAProxy keeps
// the Host header as it is; a rule that does not forward it sets it to
// the target.
func HAProxy(rp plan.ReverseProxy, o Options) []byte {
	var b strings.Builder
	b.WriteString(Header)
	fmt.Fprintf(&b, `#
# Reverse proxy %s: the Skype for Business publishing rules for HAProxy.
# Reads, relative to this file's folder: tls/<certificate>.pem (listener
# certificate, chain and key) and %s (the CA certificates
# that issued the back ends' certificates).

global
    default-path config
    # TLS 1.2 is what current mobile clients require (HLB-008).
    ssl-default-bind-options ssl-min-ver TLSv1.2
    ssl-default-server-options ssl-min-ver TLSv1.2

defaults
    mode http
    timeout connect 10s
    timeout client %ds
    timeout server %ds
    # A back end given by name may not resolve where the file is checked.
    default-server init-addr last,libc,none
`, rp.Name, BackendCA, defaultTimeout(rp), defaultTimeout(rp))
	for _, l := range rp.Listeners {
		haproxyFrontend(&b, rp, l, o)
	}
	for _, l := range rp.Listeners {
		for _, s := range sites(rp, l) {
			haproxyBackend(&b, l, s, o)
		}
	}
	return []byte(b.String())
}

// defaultTimeout is the longest idle timeout of the proxy's rules.
func defaultTimeout(rp plan.ReverseProxy) int {
	var all []site
	for _, l := range rp.Listeners {
		all = append(all, sites(rp, l)...)
	}
	return timeout(all, 960)
}

func haproxyFrontend(b *strings.Builder, rp plan.ReverseProxy, l plan.Listener, o Options) {
	ss := sites(rp, l)
	fmt.Fprintf(b, "\n# Listener %s %s (%s).\nfrontend %s\n", l.Name, Options{}.listen(l.IP, l.Port), nginxKind(l), haproxyName("listener-"+l.Name))
	fmt.Fprintf(b, "    bind %s", o.listen(l.IP, l.Port))
	if l.TLS {
		fmt.Fprintf(b, " ssl crt %s", PEMFile(l.Certificate))
	}
	fmt.Fprintf(b, "\n    timeout client %ds\n", timeout(ss, 960))
	var acls []string
	for _, s := range ss {
		acl := haproxyName("host-" + s.rule.Name)
		acls = append(acls, acl)
		fmt.Fprintf(b, "    acl %s req.hdr(host),field(1,:),lower -m str %s\n", acl, strings.ToLower(strings.Join(s.rule.PublicNames, " ")))
	}
	if len(acls) == 0 {
		b.WriteString("    http-request deny deny_status 404\n")
		return
	}
	fmt.Fprintf(b, "    http-request deny deny_status 404 unless %s\n", strings.Join(acls, " || "))
	for i, s := range ss {
		fmt.Fprintf(b, "    use_backend %s if %s\n", backendName(l, s), acls[i])
	}
}

func haproxyBackend(b *strings.Builder, l plan.Listener, s site, o Options) {
	r := s.rule
	fmt.Fprintf(b, "\n# Rule %s (%s) on listener %s: %s.\nbackend %s\n", r.Name, r.Why, l.Name, backend(s, Options{}), backendName(l, s))
	fmt.Fprintf(b, "    timeout server %ds\n", r.IdleTimeout)
	if !r.ForwardHostHeader {
		fmt.Fprintf(b, "    http-request set-header Host %s\n", r.Target)
	}
	fmt.Fprintf(b, "    server target %s", o.target(s))
	if s.bridge.BackScheme == "https" {
		fmt.Fprintf(b, " ssl verify required ca-file %s", BackendCA)
		if r.ForwardHostHeader {
			// The certificate is checked against the name sent in SNI.
			b.WriteString(" sni req.hdr(host),field(1,:),lower")
		}
	}
	b.WriteString("\n")
}

func backendName(l plan.Listener, s site) string {
	return haproxyName(fmt.Sprintf("%s-%s", s.rule.Name, l.Name))
}

var haproxyBad = regexp.MustCompile(`[^A-Za-z0-9_.:-]`)

// haproxyName makes a proxy or ACL name of the characters HAProxy allows.
func haproxyName(s string) string { return haproxyBad.ReplaceAllString(s, "_") }
