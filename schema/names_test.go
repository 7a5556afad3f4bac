package schema

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

func checkHCL(t *testing.T, src string) (*canon.Document, Result) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, ds := hcltopo.Load(dir, hcltopo.Options{})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc, s.Check(doc)
}

const caseBase = `
version     = "sfb2015"
sip_domains = ["Contoso.COM"]
ad_domain   = "Contoso.net"

site "HQ" {}

pool "se01" {
  kind = "fe-se"
  fqdn = "SE01.contoso.net"
  site = "HQ"

  web_external {
    fqdn = "Web.Contoso.com"
    vip  = "10.0.0.10"
  }

  server "se01" {
    fqdn = "se01.CONTOSO.net"
    ips  = ["10.0.0.10"]
    os   = "2012r2"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
`

// TestNamesCaseInsensitive: a declared public zone written in capitals,
// with its records in capitals, satisfies the rules that look the names up
// in lower case (DNS-001 finds LyncDiscover.Contoso.com), and the checked
// value holds every DNS name in lower case.
func TestNamesCaseInsensitive(t *testing.T) {
	src := caseBase + `
dns_zone "external" "CONTOSO.com" {
  record "LyncDiscover" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "WEB" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "MEET" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "DialIn" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
`
	_, res := checkHCL(t, src)
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Error {
			t.Errorf("unexpected error: %s", d)
		}
	}
	var got struct {
		SIPDomains []string `json:"sip_domains"`
		Pools      map[string]struct {
			FQDN        string `json:"fqdn"`
			WebExternal struct {
				FQDN string `json:"fqdn"`
			} `json:"web_external"`
		} `json:"pools"`
		DNS struct {
			External map[string]struct {
				Records map[string]any `json:"records"`
			} `json:"external"`
		} `json:"dns"`
	}
	top, err := res.exportedTopology()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(top, &got); err != nil {
		t.Fatal(err)
	}
	if got.SIPDomains[0] != "contoso.com" || got.Pools["se01"].FQDN != "se01.contoso.net" || got.Pools["se01"].WebExternal.FQDN != "web.contoso.com" {
		t.Errorf("names not lower-cased: %+v", got)
	}
	z, ok := got.DNS.External["contoso.com"]
	if !ok || z.Records["lyncdiscover"] == nil || z.Records["web"] == nil {
		t.Errorf("zone and record names not lower-cased: %+v", got.DNS.External)
	}
}

// TestNamesPositionsKept: a finding about a name written in capitals
// points at the user's line, found through the key as written.
func TestNamesPositionsKept(t *testing.T) {
	src := caseBase + `
dns_zone "external" "CONTOSO.com" {
  record "WEB" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
`
	_, res := checkHCL(t, src)
	var found bool
	for _, d := range res.Diagnostics {
		if d.Rule != "DNS-001" {
			continue
		}
		found = true
		if d.Range == nil || d.Range.Start.Line != 34 || d.Range.Start.Column != 1 {
			t.Errorf("DNS-001 at %v, want 34:1 (the zone block, not its view label)", d.Range)
		}
	}
	if !found {
		t.Errorf("no DNS-001 for a public zone without lyncdiscover: %v", res.Diagnostics)
	}
}

// TestNamesDuplicateByCase: two zones whose names differ only in case are
// one zone declared twice.
func TestNamesDuplicateByCase(t *testing.T) {
	src := caseBase + `
dns_zone "external" "contoso.com" {
  record "lyncdiscover" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
dns_zone "external" "Contoso.com" {
  record "web" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
`
	_, res := checkHCL(t, src)
	var dup []diag.Diagnostic
	for _, d := range res.Diagnostics {
		if d.Rule == canon.RuleDuplicate {
			dup = append(dup, d)
		}
	}
	if len(dup) != 1 || !strings.Contains(dup[0].Detail, "case-insensitively") || dup[0].Range == nil || dup[0].Range.Start.Line != 40 {
		t.Errorf("want one SCHEMA-003 at line 40, got %v", res.Diagnostics)
	}
}

func TestLowerURLHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://Meet.Contoso.com/Path": "https://meet.contoso.com/Path",
		"HTTPS://Dialin.Contoso.com":    "https://dialin.contoso.com",
		"Meet.Contoso.com/X?Y=Z":        "meet.contoso.com/X?Y=Z",
	} {
		if got := lowerURLHost(in); got != want {
			t.Errorf("lowerURLHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNamesCertificateFile: a declared subject and SANs agree with a
// certificate file that writes them in another letter case.
func TestNamesCertificateFile(t *testing.T) {
	dir := t.TempDir()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rp.pem"), makeCert(t, rk, &rk.PublicKey, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	src := caseBase + `
certificate "rp" {
  usage       = ["RPListener"]
  assigned_to = ["rp"]
  file        = "rp.pem"
  subject     = "WebExt.Contoso.com"
  sans        = ["WEBEXT.contoso.com", "LyncDiscover.Contoso.com"]
  issuer      = "public"
}
`
	if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, ds := hcltopo.Load(dir, hcltopo.Options{})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range s.Check(doc).Diagnostics {
		if d.Rule == canon.RuleFile {
			t.Errorf("%s", d)
		}
	}
}

func TestCanonicalIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"2001:DB8:0:0::10": "2001:db8::10",
		"FD00:10::20":      "fd00:10::20",
		"FD00:50:0::/48":   "fd00:50::/48",
		"10.0.0.1":         "10.0.0.1",
		"internet":         "internet",
		"fe80::1%eth0":     "fe80::1%eth0",
		"::ffff:10.0.0.1":  "::ffff:10.0.0.1",
		"web.contoso.com":  "web.contoso.com",
	} {
		if got := canonicalIPv6(in); got != want {
			t.Errorf("canonicalIPv6(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIPv6Spellings: a declared AAAA record for the reverse proxy's IPv6
// listener, spelt otherwise, is the listener's address (DNS-001 is met).
func TestIPv6Spellings(t *testing.T) {
	src := strings.Replace(caseBase, `    port = 443
  }
}`, `    port = 443
  }
  listener "https6" {
    ip   = "2001:DB8:113:0::10"
    port = 443
  }
}`, 1) + `
dns_zone "external" "contoso.com" {
  record "lyncdiscover" {
    type   = "AAAA"
    values = ["2001:db8:113::10"]
  }
  record "web" {
    type   = "AAAA"
    values = ["2001:0db8:0113::0010"]
  }
  record "meet" {
    type   = "AAAA"
    values = ["2001:db8:113::10"]
  }
  record "dialin" {
    type   = "AAAA"
    values = ["2001:db8:113::10"]
  }
}
`
	_, res := checkHCL(t, src)
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Error {
			t.Errorf("unexpected error: %s", d)
		}
	}
}
