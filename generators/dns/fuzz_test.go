package dns_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/dns"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// zoneFields are the strings of contoso's zones, which the fuzz test
// replaces one at a time, and the shape of each zone file.
func zoneFields(t testing.TB) ([]plan.Zone, []testtool.StringField, []string) {
	p := testtool.ExamplePlan(t, "contoso")
	var shapes []string
	for _, z := range p.Zones {
		b, err := dns.ZoneFile(z, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := testtool.ZoneShape(string(b))
		if err != nil {
			t.Fatal(err)
		}
		shapes = append(shapes, s)
	}
	return p.Zones, testtool.StringFields(&p.Zones), shapes
}

// structural: a record's type sets how many data fields it has.
func structural(path, s string) bool {
	return strings.HasSuffix(path, ".Type") && (s == "A" || s == "AAAA" || s == "CNAME" || s == "SRV")
}

func checkZones(t *testing.T, zones []plan.Zone, path, s string, want []string) {
	t.Helper()
	if structural(path, s) {
		return
	}
	// Only the zone the field is in ("[i]...") changes.
	var i int
	if _, err := fmt.Sscanf(path, "[%d]", &i); err != nil {
		t.Fatalf("field %s is in no zone", path)
	}
	z := zones[i]
	b, err := dns.ZoneFile(z, 1)
	if err != nil {
		return
	}
	if got, perr := testtool.ZoneShape(string(b)); perr != nil || got != want[i] {
		t.Fatalf("%s = %q: zone %s changed shape (%v):\n%s", path, s, z.Name, perr, b)
	}
}

// FuzzZoneFile puts arbitrary text in one string of contoso's zones at a
// time: each zone file refuses it or keeps its shape (no directive,
// record or data field added or removed).
func FuzzZoneFile(f *testing.F) {
	zones, fields, want := zoneFields(f)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*11, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkZones(t, zones, fd.Path, s, want)
	})
}

// Every seed in every field, without fuzzing.
func TestInjectionEveryField(t *testing.T) {
	zones, fields, want := zoneFields(t)
	for _, fd := range fields {
		for _, s := range testtool.InjectionSeeds {
			restore := fd.Replace(s)
			checkZones(t, zones, fd.Path, s, want)
			restore()
		}
	}
}

// named-checkzone loads each zone with each worst seed wherever the zone
// file keeps its shape.
func TestInjectionRealTool(t *testing.T) {
	checkzone := testtool.Require(t, "named-checkzone")
	zones, _, want := zoneFields(t)
	ran := 0
	for zi := range zones {
		var plain []testtool.StringField
		for _, f := range testtool.StringFields(&zones[zi]) {
			// The zone's name is its origin; the SOA and NS are checked
			// by the zone's own rules (an in-zone name server needs an
			// address), which the seeds do not follow.
			if f.Path != "Name" && f.Path != "View" && !strings.HasPrefix(f.Path, "SOA.") && !strings.HasPrefix(f.Path, "NS[") && !strings.HasSuffix(f.Path, ".Type") {
				plain = append(plain, f)
			}
		}
		for _, s := range testtool.WorstSeeds {
			restore, n := testtool.Saturate(plain, s, func() bool {
				b, err := dns.ZoneFile(zones[zi], 1)
				if err != nil {
					return false
				}
				got, err := testtool.ZoneShape(string(b))
				return err == nil && got == want[zi]
			})
			if n > 0 {
				ran++
				b, _ := dns.ZoneFile(zones[zi], 1)
				path := filepath.Join(t.TempDir(), "z.zone")
				writeZone(t, filepath.Dir(path), "z.zone", b)
				out, err := exec.Command(checkzone, zones[zi].Name, path).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "OK") {
					t.Errorf("zone %s, %q in %d fields: named-checkzone: %v\n%s\n%s", zones[zi].Name, s, n, err, out, b)
				}
			}
			restore()
		}
	}
	if ran < len(zones)*len(testtool.WorstSeeds) {
		t.Errorf("named-checkzone ran %d times for %d zones and %d seeds", ran, len(zones), len(testtool.WorstSeeds))
	}
}

// The parser sees the attacks on a zone file.
func TestZoneShapeSeesAttacks(t *testing.T) {
	zones, _, want := zoneFields(t)
	b, _ := dns.ZoneFile(zones[0], 1)
	for _, bad := range []string{
		strings.Replace(string(b), "hostmaster.contoso.com.", "hostmaster.contoso.com.\n$INCLUDE /etc/passwd\n", 1),
		strings.Replace(string(b), "131.107.155.1 ", "131.107.155.1\nevil 60 IN A 203.0.113.66 ", 1),
		strings.Replace(string(b), "sip.contoso.com. ", "sip.contoso.com. extra ", 1),
	} {
		if got, _ := testtool.ZoneShape(bad); got == want[0] {
			t.Errorf("ZoneShape does not see:\n%s", bad)
		}
	}
}
