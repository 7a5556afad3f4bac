// Package encode holds the checks every generator's encoder shares: what
// may stand on one line of a generated file, and the grammars of the
// values that go into several formats (DNS names, IP addresses, names).
//
// The encoders of each format (nginx, HAProxy, zone files, OpenSSL and
// certreq configurations, CSV, Markdown, PowerShell) live beside the
// generator that uses them, or in a subpackage when several do
// (encode/haproxy, encode/markdown). They return an error for a value
// they cannot write without changing the file's structure, and the
// generator returns it: the schema refuses such values first, and the
// encoders make sure that one that slipped past it (a topology written
// with --allow-errors, a plan built by hand, a bug) still cannot add a
// line, a directive or a section.
//
// Errors quote the value with %q, so a refused control character is
// shown escaped wherever the error is printed.
package encode

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Refused tells why r may not appear on a line of a generated file, or
// "" if it may: control characters (C0 with tab and line breaks, DEL,
// C1), the Unicode line and paragraph separators, and bidirectional
// formatting characters, which make text read differently from how a
// program parses it.
func Refused(r rune) string {
	switch {
	case r < 0x20 || r >= 0x7F && r <= 0x9F:
		return "a control character"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case IsBidi(r):
		return "a bidirectional formatting character"
	}
	return ""
}

// IsBidi reports whether r is a bidirectional formatting character: the
// Arabic letter mark, the left-to-right and right-to-left marks, the
// embeddings, overrides and isolates.
func IsBidi(r rune) bool {
	return r == '\u061C' || r == '\u200E' || r == '\u200F' || r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// Line refuses text that cannot stand on one line of a generated file:
// invalid UTF-8 and every character Refused names.
func Line(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("%q is not valid UTF-8 (byte %d)", s, i)
			}
		}
		if why := Refused(r); why != "" {
			return fmt.Errorf("%q holds %U, %s", s, r, why)
		}
	}
	return nil
}

// DNSOptions say which extensions of the host name grammar a DNS name
// may use.
type DNSOptions struct {
	// Wildcard allows "*" as the whole leftmost label of a name of two
	// labels or more (*.contoso.com).
	Wildcard bool
	// Underscore allows labels to start with "_" (SRV owner names such
	// as _sipinternaltls._tcp).
	Underscore bool
	// Single allows a name of one label (a record name relative to its
	// zone, "localhost").
	Single bool
}

// MaxDNSName and MaxDNSLabel are RFC 1035's limits on a name's text
// (without the trailing dot) and on one label.
const (
	MaxDNSName  = 253
	MaxDNSLabel = 63
)

// DNSName refuses s unless it is a DNS name by RFC 1035 and RFC 1123:
// labels of 1 to 63 letters, digits and hyphens, not starting or ending
// with a hyphen, at most 253 characters in all, with an optional
// trailing dot, and the extensions o allows. Nothing in such a name is
// special in any format mobplan writes.
func DNSName(s string, o DNSOptions) error {
	name := strings.TrimSuffix(s, ".")
	if name == "" {
		return fmt.Errorf("%q is not a DNS name: it is empty", s)
	}
	if len(name) > MaxDNSName {
		return fmt.Errorf("%q is not a DNS name: it is longer than %d characters", s, MaxDNSName)
	}
	// Labels are walked, not split into a slice: a plan at scale checks
	// millions of names.
	labels := strings.Count(name, ".") + 1
	if labels < 2 && !o.Single {
		return fmt.Errorf("%q is not a fully qualified DNS name: it has one label", s)
	}
	first := true
	for l := range strings.SplitSeq(name, ".") {
		if first && l == "*" && o.Wildcard && labels > 1 {
			first = false
			continue
		}
		first = false
		if err := label(l, o.Underscore); err != nil {
			return fmt.Errorf("%q is not a DNS name: %w", s, err)
		}
	}
	return nil
}

func label(l string, underscore bool) error {
	if l == "" {
		return fmt.Errorf("it has an empty label")
	}
	if len(l) > MaxDNSLabel {
		return fmt.Errorf("the label %q is longer than %d characters", l, MaxDNSLabel)
	}
	body := l
	if underscore && strings.HasPrefix(l, "_") {
		body = l[1:]
	}
	if body == "" || body[0] == '-' || body[len(body)-1] == '-' {
		return fmt.Errorf("the label %q does not start and end with a letter or digit", l)
	}
	for _, c := range []byte(body) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("the label %q has characters other than letters, digits and hyphens", l)
		}
	}
	return nil
}

// IP refuses s unless it is an IPv4 or IPv6 address in its usual text
// form, without an IPv6 zone (fe80::1%eth0 names an interface of the
// machine reading it, and its text is free-form).
func IP(s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return fmt.Errorf("%q is not an IP address", s)
	}
	return nil
}

// IPv4 and IPv6 refuse s unless it is an address of that family.
func IPv4(s string) error {
	if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
		return fmt.Errorf("%q is not an IPv4 address", s)
	}
	return nil
}

func IPv6(s string) error {
	if a, err := netip.ParseAddr(s); err != nil || !a.Is6() || a.Zone() != "" {
		return fmt.Errorf("%q is not an IPv6 address", s)
	}
	return nil
}

// Host refuses s unless it is an IP address or a host name (a DNS name
// of one label or more).
func Host(s string) error {
	if IP(s) == nil {
		return nil
	}
	if err := DNSName(s, DNSOptions{Single: true}); err != nil {
		return fmt.Errorf("%q is neither an IP address nor a host name", s)
	}
	return nil
}

// ListenAddress checks where a generated configuration listens: host:port,
// or HAProxy's fd@N, a socket handed over by the process that starts it
// (the lab and the tests run HAProxy on sockets they opened).
func ListenAddress(s string) error {
	if n, ok := strings.CutPrefix(s, "fd@"); ok {
		if n == "" || len(n) > 4 || strings.Trim(n, "0123456789") != "" {
			return fmt.Errorf("%q is not fd@N", s)
		}
		return nil
	}
	return HostPort(s)
}

// HostPort refuses s unless it is host:port (an IPv6 host in brackets)
// with a Host and a port from 1 to 65535.
func HostPort(s string) error {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return fmt.Errorf("%q is not host:port", s)
	}
	host, port := s[:i], s[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
		if IPv6(host) != nil {
			return fmt.Errorf("%q is not host:port", s)
		}
	} else if strings.Contains(host, ":") || Host(host) != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if err := Port(port); err != nil {
		return fmt.Errorf("%q is not host:port: %w", s, err)
	}
	return nil
}

// Port refuses s unless it is a decimal port number from 1 to 65535.
func Port(s string) error {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return fmt.Errorf("%q is not a port number", s)
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return fmt.Errorf("%q is not a port number", s)
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return fmt.Errorf("%q is not a port number", s)
	}
	return nil
}

// Name refuses s unless it is a name that can be a file stem or an
// identifier in any format mobplan writes: letters, digits, '.', '_'
// and '-', starting with a letter, a digit or '_', at most 255
// characters, and not made of dots alone.
func Name(s string) error {
	if s == "" || len(s) > 255 {
		return fmt.Errorf("%q is not a name: it must have 1 to 255 characters", s)
	}
	if c := s[0]; !(isAlnum(c) || c == '_') {
		return fmt.Errorf("%q is not a name: it must start with a letter, a digit or '_'", s)
	}
	for _, c := range []byte(s) {
		if !(isAlnum(c) || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%q is not a name: use letters, digits, '.', '_' and '-'", s)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
