package proxy

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/internal/encode"
	"github.com/mobplan/mobplan/internal/encode/haproxy"
	"github.com/mobplan/mobplan/planner/plan"
)

// HAProxy renders a reverse proxy as an HAProxy configuration: one
// frontend per listener choosing a backend by the Host header (unknown
// hosts get 404), one backend per rule and listener port. HAProxy keeps
// the Host header as it is; a rule that does not forward it sets it to
// the target. Every value goes through the HAProxy encoders
// (internal/encode/haproxy); one they refuse, or two sections or ACLs
// of one name, is an error.
func HAProxy(rp plan.ReverseProxy, o Options) ([]byte, error) {
	if err := encode.Line(rp.Name); err != nil {
		return nil, fmt.Errorf("reverse proxy name cannot be written in an HAProxy comment: %w", err)
	}
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
	names := haproxy.Names{}
	for _, l := range rp.Listeners {
		if err := haproxyFrontend(&b, rp, l, o, names); err != nil {
			return nil, fmt.Errorf("listener %q: %w", l.Name, err)
		}
	}
	for _, l := range rp.Listeners {
		for _, s := range sites(rp, l) {
			if err := haproxyBackend(&b, l, s, o, names); err != nil {
				return nil, fmt.Errorf("rule %q on listener %q: %w", s.rule.Name, l.Name, err)
			}
		}
	}
	return []byte(b.String()), nil
}

// defaultTimeout is the longest idle timeout of the proxy's rules.
func defaultTimeout(rp plan.ReverseProxy) int {
	var all []site
	for _, l := range rp.Listeners {
		all = append(all, sites(rp, l)...)
	}
	return timeout(all, 960)
}

func haproxyFrontend(b *strings.Builder, rp plan.ReverseProxy, l plan.Listener, o Options, names haproxy.Names) error {
	ss := sites(rp, l)
	planned, err := Options{}.listen(l.IP, l.Port)
	if err != nil {
		return err
	}
	bind, err := o.listen(l.IP, l.Port)
	if err != nil {
		return err
	}
	kind, err := nginxKind(l)
	if err != nil {
		return err
	}
	c, err := haproxy.Comment(fmt.Sprintf("Listener %s %s (%s).", l.Name, planned, kind))
	if err != nil {
		return err
	}
	fe, err := haproxy.Name("listener-" + l.Name)
	if err != nil {
		return err
	}
	if err := names.Declare("section", fe); err != nil {
		return err
	}
	fmt.Fprintf(b, "\n%s\nfrontend %s\n", c, fe)
	fmt.Fprintf(b, "    bind %s", bind)
	if l.TLS {
		pem, err := haproxy.Word(PEMFile(l.Certificate))
		if err != nil {
			return err
		}
		fmt.Fprintf(b, " ssl crt %s", pem)
	}
	fmt.Fprintf(b, "\n    timeout client %ds\n", timeout(ss, 960))
	var acls []string
	for _, s := range ss {
		acl, err := haproxy.Name("host-" + s.rule.Name)
		if err != nil {
			return err
		}
		if err := names.Declare("ACL of frontend "+fe, acl); err != nil {
			return err
		}
		hosts, err := haproxyHosts(s.rule.PublicNames)
		if err != nil {
			return fmt.Errorf("rule %q: %w", s.rule.Name, err)
		}
		acls = append(acls, acl)
		fmt.Fprintf(b, "    acl %s req.hdr(host),field(1,:),lower -m str %s\n", acl, hosts)
	}
	if len(acls) == 0 {
		b.WriteString("    http-request deny deny_status 404\n")
		return nil
	}
	fmt.Fprintf(b, "    http-request deny deny_status 404 unless %s\n", strings.Join(acls, " || "))
	for i, s := range ss {
		be, err := backendName(l, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "    use_backend %s if %s\n", be, acls[i])
	}
	return nil
}

// haproxyHosts are the ACL's patterns: the public names, lower-case,
// each a DNS name.
func haproxyHosts(names []string) (string, error) {
	if len(names) == 0 {
		return "", fmt.Errorf("no public name")
	}
	out := make([]string, len(names))
	for i, n := range names {
		if err := encode.DNSName(n, encode.DNSOptions{Wildcard: true, Single: true}); err != nil {
			return "", fmt.Errorf("public name: %w", err)
		}
		out[i] = strings.ToLower(strings.TrimSuffix(n, "."))
	}
	return strings.Join(out, " "), nil
}

func haproxyBackend(b *strings.Builder, l plan.Listener, s site, o Options, names haproxy.Names) error {
	r := s.rule
	shown, err := backend(s, Options{})
	if err != nil {
		return err
	}
	be, err := backendName(l, s)
	if err != nil {
		return err
	}
	if err := names.Declare("section", be); err != nil {
		return err
	}
	c, err := haproxy.Comment(fmt.Sprintf("Rule %s (%s) on listener %s: %s.", r.Name, r.Why, l.Name, shown))
	if err != nil {
		return err
	}
	target, err := o.target(s)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "\n%s\nbackend %s\n", c, be)
	fmt.Fprintf(b, "    timeout server %ds\n", r.IdleTimeout)
	if !r.ForwardHostHeader {
		// target checked r.Target as an address or host name.
		fmt.Fprintf(b, "    http-request set-header Host %s\n", r.Target)
	}
	fmt.Fprintf(b, "    server target %s", target)
	if s.bridge.BackScheme == "https" {
		fmt.Fprintf(b, " ssl verify required ca-file %s", BackendCA)
		if r.ForwardHostHeader {
			// The certificate is checked against the name sent in SNI.
			b.WriteString(" sni req.hdr(host),field(1,:),lower")
		}
	}
	b.WriteString("\n")
	return nil
}

func backendName(l plan.Listener, s site) (string, error) {
	return haproxy.Name(fmt.Sprintf("%s-%s", s.rule.Name, l.Name))
}
