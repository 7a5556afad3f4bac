package dns

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/planner/plan"
)

// removals lists what windows-dns.ps1 removes: every record of the
// previously applied plan (Context.PreviousPlan) that this plan does not
// have, and every removal the previous script listed that this plan does
// not add back. The second keeps a removal until the plan no longer asks
// for it, so two applies without a run of the script in between lose
// nothing; removing an absent record is a no-op. A value that cannot be
// written (a hand-edited plan.json or script, which plan reports as
// drift) is not carried over.
func removals(ctx *artifact.Context) []Removal {
	planned := map[string]bool{}
	for _, z := range ctx.Plan.Zones {
		for _, r := range z.Records {
			planned[removalKey(z.View, z.Name, r)] = true
		}
	}
	var out []Removal
	seen := map[string]bool{}
	add := func(rm Removal) {
		rm.Zone = strings.ToLower(rm.Zone)
		rm.Record = plan.Record{Name: strings.ToLower(rm.Record.Name), Type: rm.Record.Type, Value: strings.ToLower(rm.Record.Value),
			Priority: rm.Record.Priority, Weight: rm.Record.Weight, Port: rm.Record.Port}
		k := removalKey(rm.View, rm.Zone, rm.Record)
		if planned[k] || seen[k] {
			return
		}
		if _, ok := viewServer[rm.View]; !ok || zoneName(rm.Zone) != nil || checkRecord(rm.Record) != nil {
			return
		}
		seen[k] = true
		out = append(out, rm)
	}
	var prev *plan.Plan
	if ctx.PreviousPlan != nil {
		prev = ctx.PreviousPlan()
	}
	if prev != nil {
		for _, z := range prev.Zones {
			for _, r := range z.Records {
				add(Removal{View: z.View, Zone: z.Name, Record: r})
			}
		}
	}
	if ctx.Previous != nil {
		for _, rm := range parseRemovals(ctx.Previous(ScriptPath)) {
			add(rm)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.View != b.View {
			return a.View < b.View
		}
		if a.Zone != b.Zone {
			return a.Zone < b.Zone
		}
		return dnsLess(a.Record, b.Record)
	})
	return out
}

// removalKey identifies a record by what the script matches it on.
func removalKey(view, zone string, r plan.Record) string {
	return strings.ToLower(fmt.Sprintf("%s %s %s %s %s %d %d %d", view, zone, r.Name, r.Type, r.Value, r.Priority, r.Weight, r.Port))
}

// removalLine reads one Remove-PlannedRecord line as WindowsScriptRemoving
// writes it. No DNS name or address holds a quote, so a value in quotes
// is the text between them.
var removalLine = regexp.MustCompile(`^    Remove-PlannedRecord '([^'‘’‚‛]*)' '([^'‘’‚‛]*)' '(A|AAAA|CNAME|SRV)' '([^'‘’‚‛]*)'(?: -Priority (\d{1,5}) -Weight (\d{1,5}) -Port (\d{1,5}))?$`)

// parseRemovals reads the removals of a previous windows-dns.ps1.
func parseRemovals(script []byte) []Removal {
	var out []Removal
	view, in := "", false
	for _, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.HasPrefix(line, sectionStart):
			view, in = strings.TrimSuffix(strings.TrimPrefix(line, sectionStart), "') {"), false
		case line == "    "+removedComment:
			in = true
		case line == "":
			in = false
		case in:
			m := removalLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			r := plan.Record{Name: m[2], Type: m[3], Value: m[4]}
			if r.Type == "SRV" {
				if m[5] == "" {
					continue
				}
				r.Priority, _ = strconv.Atoi(m[5])
				r.Weight, _ = strconv.Atoi(m[6])
				r.Port, _ = strconv.Atoi(m[7])
			}
			out = append(out, Removal{View: view, Zone: m[1], Record: r})
		}
	}
	return out
}

// dnsLess orders records by name, type, value, port, priority, weight.
func dnsLess(a, b plan.Record) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.Value != b.Value {
		return a.Value < b.Value
	}
	if a.Port != b.Port {
		return a.Port < b.Port
	}
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.Weight < b.Weight
}
