package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/loader"
)

// checkOne validates the _base example with edit applied to its text
// (old → new) or extra appended, and returns the diagnostics as
// "line:col summary | detail".
func checkOne(t *testing.T, file string, edit [2]string, extra string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(invalidDir, "_base", "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if edit[0] != "" {
		if !strings.Contains(src, edit[0]) {
			t.Fatalf("_base has no %q", edit[0])
		}
		src = strings.Replace(src, edit[0], edit[1], 1)
	}
	src += extra
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range c.Diagnostics {
		if d.Rule != canon.RuleStructure {
			continue // a rule's finding: the structure is sound
		}
		pos := "-"
		if d.Range != nil {
			pos = fmt.Sprintf("%d:%d", d.Range.Start.Line, d.Range.Start.Column)
		}
		out = append(out, pos+" "+d.Summary+" | "+d.Detail)
	}
	return out
}

// Every string and every name is refused, at its line, when it holds a
// control character, a line or paragraph separator, a bidirectional
// formatting character; the value itself is never printed.
func TestControlCharacters(t *testing.T) {
	cases := []struct {
		name  string
		edit  [2]string
		extra string
		want  string
	}{
		{"pool label", [2]string{`pool "se01" {`, `pool "se01\n" {`}, "", `11:1 Invalid character in a pool label | The label "se01\n" of pool block pools["se01\n"] holds a line break (U+000A) at character 5`},
		{"server label", [2]string{`server "se01" {`, `server "se\u001b01" {`}, "", `21:3 Invalid character in a server label | The label "se\x1b01" of server block pools.se01.servers["se\x1b01"] holds an escape character (U+001B) at character 3`},
		{"FQDN", [2]string{`fqdn = "se01.contoso.net"`, `fqdn = "se01.contoso.net\r"`}, "", `13:3 Invalid character in a value | pools.se01.fqdn holds a carriage return (U+000D) at character 17`},
		{"list element", [2]string{`sip_domains = ["contoso.com"]`, `sip_domains = ["contoso.com\u2028"]`}, "", `6:16 Invalid character in a value | sip_domains[0] holds a line separator (U+2028) at character 12`},
		{"free text", [2]string{`site "HQ" {}`, "site \"HQ\" {\n  description = \"head\\u202eoffice\"\n}"}, "", `10:3 Invalid character in a value | sites.HQ.description holds a bidirectional formatting character (U+202E) at character 5`},
		{"tab", [2]string{`site "HQ" {}`, "site \"HQ\" {\n  description = \"a\\tb\"\n}"}, "", `10:3 Invalid character in a value | sites.HQ.description holds a tab (U+0009) at character 2`},
		{"C1", [2]string{`site "HQ" {}`, "site \"HQ\" {\n  description = \"a\\u009bb\"\n}"}, "", `10:3 Invalid character in a value | sites.HQ.description holds a control character (U+009B) at character 2`},
		{"secret", [2]string{}, "\nuser \"a@contoso.com\" {\n  pool         = \"se01\"\n  lab_password = \"hunter2\\n\"\n}\n", `39:3 Invalid character in a value | users["a@contoso.com"].lab_password holds a line break (U+000A) at character 8`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkOne(t, "topology.hcl", c.edit, c.extra)
			if len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
				t.Fatalf("got\n %s\nwant one starting\n %s", strings.Join(got, "\n "), c.want)
			}
			if strings.Contains(got[0], "hunter2") {
				t.Errorf("the secret is printed: %s", got[0])
			}
		})
	}
}

// Labels that become names in generated files follow a name grammar;
// values follow their type's (a DNS name, an address of the record's
// family, a mailbox, a host, a cookie name).
func TestGrammars(t *testing.T) {
	zone := func(body string) string { return "\ndns_zone \"external\" \"contoso.com\" {\n" + body + "}\n" }
	cases := []struct {
		name  string
		edit  [2]string
		extra string
		want  string // "" for no diagnostic
	}{
		{"pool label with a space", [2]string{`pool "se01" {`, `pool "se 01" {`}, "", `11:1 Invalid pool label | The label "se 01" of pool block pools["se 01"] is not a name`},
		{"listener label with a semicolon", [2]string{`listener "https" {`, `listener "https;" {`}, "", `31:3 Invalid listener label`},
		{"rule label", [2]string{}, "\nreverse_proxy \"rp2\" {\n  rule \"a{b\" {\n    public_names = [\"web.contoso.com\"]\n    listeners    = [\"https\"]\n    target       = \"10.0.0.10\"\n  }\n}\n", `38:3 Invalid rule label`},
		{"firewall rule with a space", [2]string{}, "\nfirewall_rule \"web in\" {\n  source      = [\"internet\"]\n  destination = [\"203.0.113.10\"]\n  protocol    = \"tcp\"\n  ports       = [443]\n}\n", ""},
		{"firewall rule starting with @", [2]string{}, "\nfirewall_rule \"@SUM(1)\" {\n  source      = [\"internet\"]\n  destination = [\"203.0.113.10\"]\n  protocol    = \"tcp\"\n  ports       = [443]\n}\n", `37:1 Invalid firewall_rule label`},
		{"site starting with +", [2]string{`site "HQ" {}`, `site "+HQ" {}`}, "", `9:1 Invalid site label`},
		{"zone label", [2]string{}, zone(""), ""},
		{"zone label with a space", [2]string{}, "\ndns_zone \"external\" \"contoso .com\" {\n}\n", `37:1 Invalid dns_zone label`},
		{"record label directive", [2]string{}, zone("  record \"$INCLUDE\" {\n    type   = \"A\"\n    values = [\"10.0.0.1\"]\n  }\n"), `38:3 Invalid record label`},
		{"record label apex", [2]string{}, zone("  record \"@\" {\n    type   = \"A\"\n    values = [\"10.0.0.1\"]\n  }\n"), ""},
		{"record label SRV owner", [2]string{}, zone("  record \"_sip._tls\" {\n    type     = \"SRV\"\n    values   = [\"sip.contoso.com\"]\n    port     = 443\n    priority = 0\n    weight   = 0\n  }\n"), ""},
		{"A value a name", [2]string{}, zone("  record \"sip\" {\n    type   = \"A\"\n    values = [\"sip.contoso.com\"]\n  }\n"), `40:15 Invalid value for dns.external["contoso.com"].records.sip[0].values[0] | dns.external["contoso.com"].records.sip[0].values[0] must be an IPv4 address, not "sip.contoso.com".`},
		{"AAAA value IPv4", [2]string{}, zone("  record \"sip\" {\n    type   = \"AAAA\"\n    values = [\"10.0.0.1\"]\n  }\n"), `40:15 Invalid value for dns.external["contoso.com"].records.sip[0].values[0] | dns.external["contoso.com"].records.sip[0].values[0] must be an IPv6 address (without a zone), not "10.0.0.1".`},
		{"AAAA value", [2]string{}, zone("  record \"sip\" {\n    type   = \"AAAA\"\n    values = [\"2001:db8::1\"]\n  }\n"), ""},
		{"CNAME value an address with a space", [2]string{}, zone("  record \"sip\" {\n    type   = \"CNAME\"\n    values = [\"a.contoso.com. 60 IN A 10.0.0.1\"]\n  }\n"), `40:15 Invalid value for dns.external["contoso.com"].records.sip[0].values[0] | dns.external["contoso.com"].records.sip[0].values[0] must be a DNS name (`},
		{"hostmaster as an e-mail address", [2]string{}, zone("  soa {\n    primary_ns = \"ns1.contoso.com\"\n    hostmaster = \"hostmaster@contoso.com\"\n  }\n"), `40:5 Invalid value for dns.external["contoso.com"].soa.hostmaster | dns.external["contoso.com"].soa.hostmaster must be a mailbox written as a DNS name`},
		{"FQDN with a quote", [2]string{`fqdn = "web.contoso.com"`, `fqdn = "web.contoso.com\""`}, "", `17:5 Invalid value for pools.se01.web_external.fqdn | pools.se01.web_external.fqdn must be a DNS name`},
		{"FQDN label too long", [2]string{`fqdn = "web.contoso.com"`, `fqdn = "` + strings.Repeat("a", 64) + `.contoso.com"`}, "", `17:5 Invalid value for pools.se01.web_external.fqdn`},
		{"FQDN too long", [2]string{`fqdn = "web.contoso.com"`, `fqdn = "` + strings.Repeat("abc.", 63) + `com"`}, "", `17:5 Invalid value for pools.se01.web_external.fqdn`},
		{"IP with a zone", [2]string{`vip  = "10.0.0.10"`, `vip  = "fe80::1%eth0"`}, "", `18:5 Invalid value for pools.se01.web_external.vip | pools.se01.web_external.vip must be an IP address (IPv4, or IPv6 without a zone), not "fe80::1%eth0".`},
		{"rule target", [2]string{}, "\nreverse_proxy \"rp2\" {\n  rule \"r\" {\n    public_names = [\"web.contoso.com\"]\n    listeners    = [\"https\"]\n    target       = \"10.0.0.10; root /etc\"\n  }\n}\n", `41:5 Invalid value for reverse_proxies.rp2.rules.r.target | reverse_proxies.rp2.rules.r.target must be an IP address or a DNS name`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkOne(t, "topology.hcl", c.edit, c.extra)
			switch {
			case c.want == "" && len(got) > 0:
				t.Fatalf("got\n %s\nwant none", strings.Join(got, "\n "))
			case c.want != "" && (len(got) == 0 || !strings.HasPrefix(got[0], c.want)):
				t.Fatalf("got\n %s\nwant one starting\n %s", strings.Join(got, "\n "), c.want)
			}
		})
	}
}

// JSON and YAML topologies are checked the same way: a key is a name.
func TestControlCharactersInJSON(t *testing.T) {
	dir := t.TempDir()
	doc := `{"version": "sfb2015", "sip_domains": ["contoso.com"], "ad_domain": "contoso.net", "sites": {"HQ\u001b[2J": {}}}`
	if err := os.WriteFile(filepath.Join(dir, "topology.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range c.Diagnostics {
		found = found || d.Summary == "Invalid character in a site label" && d.Range != nil && d.Range.Start.Line == 1
	}
	if !found {
		t.Errorf("no diagnostic for the site's escape character: %v", c.Diagnostics)
	}
}
