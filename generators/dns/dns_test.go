package dns_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/dns"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

var examples = []string{"contoso", "standard-edition", "multisite", "tailspin", "pki-options"}

func dnsPlan(t *testing.T, example string) *plan.Plan {
	t.Helper()
	return testtool.ExamplePlan(t, example)
}

// generate runs the generator; previous maps paths to earlier bytes.
func generate(t *testing.T, p *plan.Plan, previous map[string][]byte) map[string][]byte {
	t.Helper()
	files, err := dns.Generator.Generate(&artifact.Context{Plan: p, Previous: func(path string) []byte { return previous[path] }})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		if _, dup := out[f.Path]; dup {
			t.Fatalf("%s generated twice", f.Path)
		}
		if !bytes.HasSuffix(f.Data, []byte("\n")) {
			t.Errorf("%s does not end with a newline", f.Path)
		}
		if !bytes.Contains(f.Data, []byte(dns.Header)) {
			t.Errorf("%s has no generated-file header", f.Path)
		}
		out[f.Path] = f.Data
	}
	return out
}

// writeZone writes a zone file for named-checkzone.
func writeZone(t *testing.T, dir, path string, data []byte) string {
	t.Helper()
	file := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestNamedCheckzone loads every generated zone of every valid example
// with BIND's named-checkzone, then compares the records BIND read (its
// canonical dump, -D) with the plan's: the file says exactly what the plan
// says.
func TestNamedCheckzone(t *testing.T) {
	checkzone := testtool.Require(t, "named-checkzone")
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			p := dnsPlan(t, ex)
			files := generate(t, p, nil)
			dir := t.TempDir()
			if len(p.Zones) == 0 {
				t.Fatal("no zones planned")
			}
			for _, z := range p.Zones {
				path := dns.ZonePath(z)
				file := writeZone(t, dir, path, files[path])
				out, err := exec.Command(checkzone, z.Name, file).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "OK") {
					t.Errorf("named-checkzone %s %s: %v\n%s\n%s", z.Name, path, err, out, files[path])
					continue
				}
				if !strings.Contains(string(out), "loaded serial 1") {
					t.Errorf("%s: new zone should have serial 1: %s", path, out)
				}
				dump, err := exec.Command(checkzone, "-D", "-o", "-", z.Name, file).Output()
				if err != nil {
					t.Fatalf("named-checkzone -D %s: %v", path, err)
				}
				if got, want := bindRecords(string(dump)), planRecords(z); !equal(got, want) {
					t.Errorf("%s: BIND read\n%s\nthe plan has\n%s", path, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		})
	}
}

var spaces = regexp.MustCompile(`\s+`)

// bindRecords are the non-SOA records of a named-checkzone -D dump, as
// "owner TTL TYPE rdata", sorted.
func bindRecords(dump string) []string {
	var out []string
	for _, line := range strings.Split(dump, "\n") {
		f := strings.Fields(spaces.ReplaceAllString(line, " "))
		if len(f) < 5 || f[3] == "SOA" {
			continue
		}
		out = append(out, strings.ToLower(f[0]+" "+f[1]+" "+f[3]+" "+strings.Join(f[4:], " ")))
	}
	sort.Strings(out)
	return out
}

// planRecords are the same lines built from the plan.
func planRecords(z plan.Zone) []string {
	abs := func(n string) string { return strings.TrimSuffix(n, ".") + "." }
	owner := func(n string) string {
		if n == "@" {
			return abs(z.Name)
		}
		return abs(n + "." + z.Name)
	}
	var out []string
	for _, ns := range z.NS {
		out = append(out, strings.ToLower(fmt.Sprintf("%s %d NS %s", abs(z.Name), plan.DNSDefaultTTL, abs(ns))))
	}
	for _, r := range z.Records {
		v := r.Value
		switch r.Type {
		case "CNAME":
			v = abs(v)
		case "SRV":
			v = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, abs(v))
		}
		out = append(out, strings.ToLower(fmt.Sprintf("%s %d %s %s", owner(r.Name), r.TTL, r.Type, v)))
	}
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// TestFilesContoso checks the file set and the content of section 2.1 as
// it reads in the zone files.
func TestFilesContoso(t *testing.T) {
	files := generate(t, dnsPlan(t, "contoso"), nil)
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	want := []string{
		"dns/external/contoso.com.zone",
		"dns/external/fabrikam.com.zone",
		"dns/internal/_sipinternaltls._tcp.fabrikam.com.zone",
		"dns/internal/contoso.com.zone",
		"dns/internal/contoso.net.zone",
		"dns/internal/lyncdiscoverinternal.fabrikam.com.zone",
		"dns/internal/meet.fabrikam.com.zone",
		"dns/internal/sip.fabrikam.com.zone",
		"dns/windows-dns.ps1",
	}
	if !equal(paths, want) {
		t.Fatalf("files:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
	has := func(path string, lines ...string) {
		t.Helper()
		got := spaces.ReplaceAllString(string(files[path]), " ")
		for _, l := range lines {
			if !strings.Contains(got, l) {
				t.Errorf("%s lacks %q:\n%s", path, l, files[path])
			}
		}
	}
	has("dns/external/fabrikam.com.zone",
		"$ORIGIN fabrikam.com.",
		"$TTL 3600",
		"@ 3600 IN SOA ns1.fabrikam.com. hostmaster.fabrikam.com. (",
		"lyncdiscover 3600 IN A 131.107.155.1 ; DNS-001",
		"meet 3600 IN A 131.107.155.1 ; DNS-009",
		"sip 3600 IN A 131.107.155.10",
		"sip 3600 IN A 131.107.155.11",
		"_sip._tls 3600 IN SRV 0 0 443 sip.fabrikam.com.",
		"_sipfederationtls._tcp 3600 IN SRV 0 0 5061 sip.fabrikam.com. ; PUSH-007")
	has("dns/external/contoso.com.zone",
		"webext 3600 IN A 131.107.155.1 ; DNS-005",
		"oos 3600 IN A 131.107.155.1",
		"webcon 3600 IN A 131.107.155.21",
		"av 3600 IN A 131.107.155.30")
	has("dns/internal/contoso.com.zone",
		"split-brain",
		"webext 3600 IN A 131.107.155.1 ; DNS-006",
		"lyncdiscoverinternal 3600 IN A 192.168.21.120 ; DNS-002",
		"admin 3600 IN A 192.168.21.120",
		"oos 3600 IN A 192.168.1.5",
		"_sipinternaltls._tcp 3600 IN SRV 0 0 5061 pool01.contoso.net.",
		"IN SOA ns1.contoso.net. hostmaster.contoso.com. ( ; placeholder primary",
		"IN NS localhost. ; placeholder",
		"; Placeholder name server localhost.",
		"; Split-brain: internal clients ask this zone for every name of contoso.com",
		" av.contoso.com ")
	has("dns/internal/lyncdiscoverinternal.fabrikam.com.zone",
		"pin-point", "@ 3600 IN A 192.168.21.120 ; DNS-002")
	has("dns/internal/contoso.net.zone",
		"pool01 3600 IN A 192.168.21.124 ; DNS-008",
		"IN NS localhost. ; placeholder")
	for path, data := range files {
		if strings.HasPrefix(path, "dns/external/") && bytes.Contains(data, []byte("lyncdiscoverinternal")) {
			t.Errorf("%s publishes lyncdiscoverinternal (DNS-003)", path)
		}
	}
}

// TestSerial: a new zone gets 1; regenerating over an unchanged file keeps
// its serial; any change (a record, or a hand edit) takes previous + 1.
func TestSerial(t *testing.T) {
	p := dnsPlan(t, "contoso")
	first := generate(t, p, nil)
	const path = "dns/external/contoso.com.zone"
	if s, _ := dns.ParseSerial(first[path]); s != 1 {
		t.Fatalf("new zone: serial %d, want 1", s)
	}

	// Previous file at serial 41, same content: kept, file unchanged.
	at41 := bytes.Replace(first[path], []byte(" 1            ; serial"), []byte(" 41           ; serial"), 1)
	if bytes.Equal(at41, first[path]) {
		t.Fatal("could not set the serial in the test file")
	}
	again := generate(t, p, map[string][]byte{path: at41})
	if s, _ := dns.ParseSerial(again[path]); s != 41 {
		t.Errorf("unchanged zone: serial %d, want 41", s)
	}
	if !bytes.Equal(again[path], at41) {
		t.Errorf("unchanged zone: bytes differ from the previous file")
	}

	// The zone changes: 42.
	changed := clonePlan(p)
	for i := range changed.Zones {
		z := &changed.Zones[i]
		if z.View == "external" && z.Name == "contoso.com" {
			z.Records = append(z.Records, plan.Record{Name: "www", Type: "A", Value: "131.107.155.99", TTL: 3600, Why: "test"})
		}
	}
	bumped := generate(t, changed, map[string][]byte{path: at41})
	if s, _ := dns.ParseSerial(bumped[path]); s != 42 {
		t.Errorf("changed zone: serial %d, want 42", s)
	}
	// Other zones keep serial 1 from their own previous files.
	other := "dns/external/fabrikam.com.zone"
	if s, _ := dns.ParseSerial(generate(t, changed, first)[other]); s != 1 {
		t.Errorf("untouched zone: serial %d, want 1", s)
	}

	// A hand-edited previous file is a change too.
	edited := append(bytes.Clone(at41), []byte("extra 60 IN A 10.9.9.9\n")...)
	if s, _ := dns.ParseSerial(generate(t, p, map[string][]byte{path: edited})[path]); s != 42 {
		t.Errorf("edited zone: serial %d, want 42", s)
	}
	// A previous file without a readable serial starts again at 1.
	if s := dns.Serial([]byte("garbage"), func(uint32) []byte { return nil }); s != 1 {
		t.Errorf("unreadable previous file: serial %d, want 1", s)
	}
	// The serial never wraps to 0.
	if s := dns.Serial([]byte("  4294967295 ; serial\n"), func(uint32) []byte { return []byte("other") }); s != 1 {
		t.Errorf("wrapped serial %d, want 1", s)
	}
}

func clonePlan(p *plan.Plan) *plan.Plan {
	c := *p
	c.Zones = nil
	for _, z := range p.Zones {
		z.Records = append([]plan.Record(nil), z.Records...)
		c.Zones = append(c.Zones, z)
	}
	return &c
}

// TestDeterministic: same topology, same bytes, from independently
// derived plans.
func TestDeterministic(t *testing.T) {
	for _, ex := range examples {
		a := generate(t, dnsPlan(t, ex), nil)
		b := generate(t, dnsPlan(t, ex), nil)
		if len(a) != len(b) {
			t.Fatalf("%s: %d files, then %d", ex, len(a), len(b))
		}
		for path := range a {
			if !bytes.Equal(a[path], b[path]) {
				t.Errorf("%s: %s differs between runs", ex, path)
			}
		}
	}
}

// TestWindowsScript checks the script's shape: every zone and record of
// the plan has its helper call, in the section of its view; the script
// supports -WhatIf, and every helper that changes the DNS server looks
// first and asks ShouldProcess before the change; no zone scopes.
func TestWindowsScript(t *testing.T) {
	for _, ex := range examples {
		p := dnsPlan(t, ex)
		script := string(generate(t, p, nil)[dns.ScriptPath])
		sections := windowsSections(t, script)
		if !strings.Contains(sections["internal"], "run on the internal DNS servers") ||
			!strings.Contains(sections["external"], "run on the public DNS servers") {
			t.Errorf("%s: a view section does not say which DNS server it is for", ex)
		}
		for _, z := range p.Zones {
			sec := sections[z.View]
			if !strings.Contains(sec, "Add-PlannedZone '"+z.Name+"'\n") {
				t.Errorf("%s: %s zone %s not created", ex, z.View, z.Name)
			}
			for _, r := range z.Records {
				call := fmt.Sprintf("Add-PlannedRecord '%s' '%s' '%s' '%s' %d", z.Name, r.Name, r.Type, r.Value, r.TTL)
				if !strings.Contains(sec, call) {
					t.Errorf("%s: %s record %s %s %s missing from the script", ex, z.View, r.Name, r.Type, r.Value)
				}
			}
		}
		if strings.Contains(script, "ZoneScope") {
			t.Errorf("%s: the script uses zone scopes", ex)
		}
		if strings.Contains(script, "Remove-PlannedRecord '") {
			t.Errorf("%s: a first apply removes records", ex)
		}
		checkShouldProcess(t, script)
		for _, cmdlet := range []string{"Add-DnsServerPrimaryZone", "Add-DnsServerResourceRecordA ", "Add-DnsServerResourceRecordCName", "Add-DnsServerResourceRecord -Srv", "Get-DnsServerZone", "Get-DnsServerResourceRecord", "Remove-DnsServerResourceRecord", "Set-DnsServerResourceRecord"} {
			if !strings.Contains(script, cmdlet) {
				t.Errorf("%s: script does not use %s", ex, cmdlet)
			}
		}
	}
}

// windowsSections cuts the script into its view sections.
func windowsSections(t *testing.T, script string) map[string]string {
	t.Helper()
	sections := map[string]string{}
	for _, view := range []string{"internal", "external"} {
		start := strings.Index(script, "\nif ($View -eq '"+view+"') {\n")
		if start < 0 {
			t.Fatalf("no %s section", view)
		}
		end := strings.Index(script[start:], "\n}\n")
		sections[view] = script[start : start+end]
	}
	return sections
}

// checkShouldProcess: the script is an advanced script with
// SupportsShouldProcess (so -WhatIf reaches every helper), and in every
// function a DnsServer cmdlet that changes something (Add-, Set-,
// Remove-) comes after a lookup (Get- or Find-) and a ShouldProcess
// call, and the function returns or continues when ShouldProcess says no.
func checkShouldProcess(t *testing.T, script string) {
	t.Helper()
	if !strings.Contains(script, "[CmdletBinding(SupportsShouldProcess = $true)]\nparam(") {
		t.Error("the script does not support -WhatIf")
	}
	fns := regexp.MustCompile(`(?s)\nfunction ([\w-]+) ?[{(].*?\n}\n`).FindAllStringSubmatch(script, -1)
	if len(fns) < 4 {
		t.Fatalf("found %d helper functions", len(fns))
	}
	changes := regexp.MustCompile(`(?m)^\s+.*\b(Add|Set|Remove)-DnsServer\w+`)
	for _, fn := range fns {
		body := fn[0]
		locs := changes.FindAllStringIndex(body, -1)
		if len(locs) == 0 {
			continue
		}
		sp := strings.Index(body, "$PSCmdlet.ShouldProcess(")
		look := strings.Index(body, "Get-DnsServer")
		if l := strings.Index(body, "Find-PlannedRecord "); l >= 0 && (look < 0 || l < look) {
			look = l
		}
		if !strings.Contains(body, "[CmdletBinding(SupportsShouldProcess = $true)]") {
			t.Errorf("%s changes the server but does not support ShouldProcess", fn[1])
		}
		if sp < 0 || look < 0 || look > sp || sp > locs[0][0] {
			t.Errorf("%s: a change is not preceded by a lookup and ShouldProcess:\n%s", fn[1], body)
		}
		if n := strings.Count(body, "$PSCmdlet.ShouldProcess("); n != strings.Count(body, "-not $PSCmdlet.ShouldProcess(") {
			t.Errorf("%s: a ShouldProcess answer is not acted on", fn[1])
		}
	}
}

// TestWindowsScriptRemoves: after a VIP moves, the script removes the
// old record (before adding the new one) and keeps the removal on the
// next apply until the plan asks for the record again; an unchanged plan
// removes nothing.
func TestWindowsScriptRemoves(t *testing.T) {
	p1 := dnsPlan(t, "contoso")
	moved := clonePlan(p1)
	var old, moveTo string
	for zi := range moved.Zones {
		z := &moved.Zones[zi]
		if z.View != "external" || z.Name != "contoso.com" {
			continue
		}
		for ri := range z.Records {
			if z.Records[ri].Name == "webext" && z.Records[ri].Type == "A" {
				old, moveTo = z.Records[ri].Value, "131.107.155.99"
				z.Records[ri].Value = moveTo
			}
		}
	}
	if old == "" {
		t.Fatal("contoso has no external webext A record")
	}
	remove := "    Remove-PlannedRecord 'contoso.com' 'webext' 'A' '" + old + "'\n"
	addNew := "    Add-PlannedRecord 'contoso.com' 'webext' 'A' '" + moveTo + "' 3600\n"
	run := func(p, prev *plan.Plan, prevScript []byte) string {
		t.Helper()
		files, err := dns.Generator.Generate(&artifact.Context{Plan: p, PreviousPlan: func() *plan.Plan { return prev }, Previous: func(path string) []byte {
			if path == dns.ScriptPath {
				return prevScript
			}
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Path == dns.ScriptPath {
				return string(f.Data)
			}
		}
		t.Fatal("no script")
		return ""
	}

	same := run(p1, p1, nil)
	if strings.Contains(same, "Remove-PlannedRecord '") {
		t.Errorf("an unchanged plan removes records:\n%s", same)
	}
	second := run(moved, p1, []byte(same))
	ext := windowsSections(t, second)["external"]
	ri, ai := strings.Index(ext, remove), strings.Index(ext, addNew)
	if ri < 0 || ai < 0 || ri > ai {
		t.Fatalf("the moved VIP: want %q before %q in the external section:\n%s", remove, addNew, ext)
	}
	if strings.Contains(windowsSections(t, second)["internal"], "Remove-PlannedRecord '") {
		t.Error("the internal section removes a record only the external view had")
	}
	// Applied again before the script ran: the removal stays.
	third := run(moved, moved, []byte(second))
	if !strings.Contains(third, remove) {
		t.Errorf("the removal was lost on the next apply:\n%s", third)
	}
	// The VIP moves back: the old address is added, not removed; the
	// other one is removed.
	back := run(p1, moved, []byte(third))
	if strings.Contains(back, remove) || !strings.Contains(back, "    Remove-PlannedRecord 'contoso.com' 'webext' 'A' '"+moveTo+"'\n") {
		t.Errorf("moving back:\n%s", back)
	}
	// An SRV record's fields survive the round trip through the script.
	srvGone := clonePlan(p1)
	for zi := range srvGone.Zones {
		z := &srvGone.Zones[zi]
		var keep []plan.Record
		for _, r := range z.Records {
			if r.Type != "SRV" {
				keep = append(keep, r)
			}
		}
		z.Records = keep
	}
	s1 := run(srvGone, p1, nil)
	s2 := run(srvGone, srvGone, []byte(s1))
	if !strings.Contains(s1, "Remove-PlannedRecord 'contoso.com' '_sip._tls' 'SRV' 'sip.contoso.com' -Priority 0 -Weight 0 -Port 443") || s1 != s2 {
		t.Errorf("SRV removals not carried over:\n%s\n----\n%s", s1, s2)
	}
}

// TestDeclaredZoneAndCNAME renders a hand-built plan with a declared zone
// holding a CNAME and an AAAA record, and an in-zone declared name server
// with its address, and loads it with named-checkzone.
func TestDeclaredZoneAndCNAME(t *testing.T) {
	checkzone := testtool.Require(t, "named-checkzone")
	z := plan.Zone{View: "external", Name: "example.org", Kind: plan.ZoneAuthoritative, Declared: true,
		SOA: plan.SOA{PrimaryNS: "ns1.example.org", Hostmaster: "dns.example.org", Refresh: 7200, Retry: 900, Expire: 1209600, Minimum: 60},
		NS:  []string{"ns1.example.org", "ns2.provider.net"},
		Records: []plan.Record{
			{Name: "lyncdiscover", Type: "CNAME", Value: "webext.example.org", TTL: 300, Why: "declared"},
			{Name: "ns1", Type: "A", Value: "192.0.2.53", TTL: 3600, Why: "declared"},
			{Name: "webext", Type: "AAAA", Value: "2001:db8::1", TTL: 3600, Why: "declared"},
		}}
	p := &plan.Plan{Zones: []plan.Zone{z}}
	files := generate(t, p, nil)
	path := dns.ZonePath(z)
	file := writeZone(t, t.TempDir(), path, files[path])
	if out, err := exec.Command(checkzone, z.Name, file).CombinedOutput(); err != nil {
		t.Fatalf("named-checkzone: %v\n%s\n%s", err, out, files[path])
	}
	dump, _ := exec.Command(checkzone, "-D", "-o", "-", z.Name, file).Output()
	if got, want := bindRecords(string(dump)), planRecords(z); !equal(got, want) {
		t.Errorf("BIND read\n%s\nthe plan has\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(string(dump), "7200 900 1209600 60") {
		t.Errorf("declared SOA timers not in the zone:\n%s", dump)
	}
	script := string(files[dns.ScriptPath])
	for _, want := range []string{
		"Add-PlannedRecord 'example.org' 'lyncdiscover' 'CNAME' 'webext.example.org' 300",
		"Add-PlannedRecord 'example.org' 'webext' 'AAAA' '2001:db8::1' 3600",
		"# No zone in this view.",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

func TestUnsafeZoneName(t *testing.T) {
	for _, name := range []string{"../etc", "a/b", "x'y"} {
		p := &plan.Plan{Zones: []plan.Zone{{View: "internal", Name: name}}}
		if _, err := dns.Generator.Generate(&artifact.Context{Plan: p}); err == nil {
			t.Errorf("zone %q accepted", name)
		}
	}
}

// TestWindowsScriptQuoting: the script is UTF-8 with a byte order mark;
// a typographic quote in a value is doubled like ', so the value stays
// one string; a line break in a name or value is refused rather than
// written.
func TestWindowsScriptQuoting(t *testing.T) {
	zone := func(name string, r plan.Record) []plan.Zone {
		return []plan.Zone{{View: "external", Name: name, Kind: plan.ZoneAuthoritative, Records: []plan.Record{r}}}
	}
	attack := "webext.example.org’; Start-Process calc; ’"
	b, err := dns.WindowsScript(zone("example.org", plan.Record{Name: "lyncdiscover", Type: "CNAME", Value: attack, TTL: 300}))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF# "+dns.Header+"\n")) {
		t.Errorf("no byte order mark before the header: %q", b[:12])
	}
	if want := "    Add-PlannedRecord 'example.org' 'lyncdiscover' 'CNAME' 'webext.example.org’’; Start-Process calc; ’’' 300\n"; !bytes.Contains(b, []byte(want)) {
		t.Errorf("script lacks %q", want)
	}
	for name, z := range map[string][]plan.Zone{
		"value": zone("example.org", plan.Record{Name: "sip", Type: "A", Value: "192.0.2.1\nStart-Process calc", TTL: 300}),
		"name":  zone("example.org", plan.Record{Name: "sip\r", Type: "A", Value: "192.0.2.1", TTL: 300}),
		"zone":  zone("example.org\u2028Start-Process calc", plan.Record{Name: "sip", Type: "A", Value: "192.0.2.1", TTL: 300}),
	} {
		if _, err := dns.WindowsScript(z); err == nil || strings.ContainsAny(err.Error(), "\r\n\u2028") {
			t.Errorf("%s: %v, want a refusal that does not print the raw character", name, err)
		}
	}
}
