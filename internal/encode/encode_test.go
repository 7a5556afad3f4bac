package encode

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, s := range []string{"", "pool01", "Reverse proxy rp: rules; {x} # $y \"q\" 'q' \\", "café ‘quoted’", "日本"} {
		if err := Line(s); err != nil {
			t.Errorf("Line(%q): %v", s, err)
		}
	}
	for _, s := range []string{"a\nb", "a\rb", "a\tb", "\x1b[31m", "a\x7f", "a\u0085b", "a\u009bb", "a\u2028b", "a\u2029b", "a\u202eb", "a\u2066b", "a\u200fb", "a\u061cb", "\xff"} {
		if err := Line(s); err == nil {
			t.Errorf("Line(%q) accepted", s)
		}
	}
}

func TestDNSName(t *testing.T) {
	long := strings.Repeat("a", 63)
	ok := []struct {
		s string
		o DNSOptions
	}{
		{"contoso.com", DNSOptions{}},
		{"contoso.com.", DNSOptions{}},
		{"*.contoso.com", DNSOptions{Wildcard: true}},
		{"_sipinternaltls._tcp.contoso.com", DNSOptions{Underscore: true}},
		{"_sip._tls", DNSOptions{Underscore: true, Single: true}},
		{"localhost", DNSOptions{Single: true}},
		{long + ".com", DNSOptions{}},
		{strings.Repeat(long+".", 3) + strings.Repeat("a", 61), DNSOptions{}},
		{"1.2.3.4", DNSOptions{}},
	}
	for _, c := range ok {
		if err := DNSName(c.s, c.o); err != nil {
			t.Errorf("DNSName(%q, %+v): %v", c.s, c.o, err)
		}
	}
	bad := []struct {
		s string
		o DNSOptions
	}{
		{"", DNSOptions{Single: true}},
		{".", DNSOptions{Single: true}},
		{"contoso", DNSOptions{}},
		{"*.contoso.com", DNSOptions{}},
		{"a.*.contoso.com", DNSOptions{Wildcard: true}},
		{"*", DNSOptions{Wildcard: true, Single: true}},
		{"x*.contoso.com", DNSOptions{Wildcard: true}},
		{"_sip._tls.contoso.com", DNSOptions{}},
		{"a_b.contoso.com", DNSOptions{Underscore: true}},
		{"-a.contoso.com", DNSOptions{}},
		{"a-.contoso.com", DNSOptions{}},
		{"a..contoso.com", DNSOptions{}},
		{long + "a.com", DNSOptions{}},
		{strings.Repeat(long+".", 4), DNSOptions{}},
		{"a.contoso.com\nuser", DNSOptions{}},
		{"a.contoso.com;", DNSOptions{}},
		{"$INCLUDE", DNSOptions{Single: true}},
		{"@", DNSOptions{Single: true}},
		{"café.com", DNSOptions{}},
		{"a b.com", DNSOptions{}},
	}
	for _, c := range bad {
		if err := DNSName(c.s, c.o); err == nil {
			t.Errorf("DNSName(%q, %+v) accepted", c.s, c.o)
		}
	}
}

func TestAddresses(t *testing.T) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"} {
		if IP(s) != nil || Host(s) != nil {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"", "192.0.2", "192.0.2.256", "fe80::1%eth0", "fe80::1%eth0;user root", " 192.0.2.1", "192.0.2.1 "} {
		if IP(s) == nil {
			t.Errorf("IP(%q) accepted", s)
		}
	}
	if IPv4("2001:db8::1") == nil || IPv6("192.0.2.1") == nil || IPv4("192.0.2.1") != nil || IPv6("2001:db8::1") != nil {
		t.Error("IPv4/IPv6 mix up the families")
	}
	for _, s := range []string{"192.0.2.1:443", "[2001:db8::1]:443", "pool.contoso.com:4443", "localhost:1", "a:65535"} {
		if err := HostPort(s); err != nil {
			t.Errorf("HostPort(%q): %v", s, err)
		}
	}
	for _, s := range []string{"192.0.2.1", "2001:db8::1:443", "[192.0.2.1]:443", "a:0", "a:65536", "a:08", "a:+1", "a b:1", "a:1;", "[fe80::1%eth0]:1", ":443"} {
		if HostPort(s) == nil {
			t.Errorf("HostPort(%q) accepted", s)
		}
	}
}

func TestName(t *testing.T) {
	for _, s := range []string{"rp", "rp-listener", "SfB-Web-HTTPS", "_x", "a.b_c-d", "01"} {
		if err := Name(s); err != nil {
			t.Errorf("Name(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", ".", "..", "../x", "a/b", "a b", "-a", ".a", "a;b", "a\nb", strings.Repeat("a", 256)} {
		if Name(s) == nil {
			t.Errorf("Name(%q) accepted", s)
		}
	}
}

// A name that passes costs no allocation: a plan at scale checks
// millions (each certificate lists every SIP domain's names).
func TestDNSNameAllocatesNothing(t *testing.T) {
	o := DNSOptions{Wildcard: true, Underscore: true, Single: true}
	if n := testing.AllocsPerRun(100, func() {
		for _, s := range []string{"*.contoso.com", "_sip._tls.contoso.com.", "localhost", "lyncdiscover.d00042.example.com"} {
			if err := DNSName(s, o); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
