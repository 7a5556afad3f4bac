package dns

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/planner/plan"
)

// viewServer says which DNS servers a view is for.
var viewServer = map[string]string{
	"internal": "the internal DNS servers (internal clients and servers)",
	"external": "the public DNS servers (Internet clients)",
}

// ZoneFile renders a zone as a BIND zone file with the given SOA serial:
// $ORIGIN, $TTL, the SOA, the NS records, then the records in plan order,
// in aligned columns, each with its reason as a comment. Owner names are
// relative to the zone; target names are absolute (trailing dot). Every
// value goes through the master file encoders (zoneenc.go); one they
// refuse is an error.
func ZoneFile(z plan.Zone, serial uint32) ([]byte, error) {
	if err := checkZoneValues(z); err != nil {
		return nil, fmt.Errorf("zone %q: %w", z.Name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; %s\n", Header)
	kind := z.Kind
	if z.Declared {
		kind += ", declared in the topology"
	}
	fmt.Fprintf(&b, "; Zone %s, %s view (%s), for %s.\n", z.Name, z.View, kind, viewServer[z.View])
	fmt.Fprintf(&b, "; The serial is kept while the zone is unchanged and increased when it changes.\n")
	if len(z.Hides) > 0 {
		// Every name is checked as a DNS name: it cannot end the comment.
		for _, h := range z.Hides {
			if err := targetName("hidden public name", h); err != nil {
				return nil, fmt.Errorf("zone %q: %w", z.Name, err)
			}
		}
		fmt.Fprintf(&b, "; Split-brain: internal clients ask this zone for every name of %s, so these public\n", z.Name)
		fmt.Fprintf(&b, "; names, which it does not hold, no longer resolve inside (nor any other public name\n")
		fmt.Fprintf(&b, "; of the domain); add those they need: %s\n", strings.Join(z.Hides, " "))
	}
	if slices.Contains(z.NS, plan.DNSPlaceholderNS) {
		fmt.Fprintf(&b, "; Placeholder name server %s.: the topology declares no name server of the %s view\n", plan.DNSPlaceholderNS, z.View)
		fmt.Fprintf(&b, "; that a zone defines; declare name_server blocks to name the real ones.\n")
	}
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL %d\n", abs(z.Name), plan.DNSDefaultTTL)

	soaWhy := ""
	if slices.Contains(z.NS, plan.DNSPlaceholderNS) && !z.Declared {
		soaWhy = "placeholder primary"
	}
	rows := []row{{"@", plan.DNSDefaultTTL, "SOA", abs(z.SOA.PrimaryNS) + " " + abs(z.SOA.Hostmaster) + " (", soaWhy}}
	for _, ns := range z.NS {
		why := "name server"
		if ns == plan.DNSPlaceholderNS {
			why = "placeholder: no name server of this view has an address (declare name_server blocks)"
		}
		rows = append(rows, row{"@", plan.DNSDefaultTTL, "NS", abs(ns), why})
	}
	for _, r := range z.Records {
		data, err := rdata(r)
		if err != nil {
			return nil, fmt.Errorf("zone %q, record %q: %w", z.Name, r.Name, err)
		}
		rows = append(rows, row{r.Name, r.TTL, r.Type, data, r.Why})
	}
	w := widths(rows)
	soaIndent := strings.Repeat(" ", w.name+1+w.ttl+1+len("IN ")+w.typ+1)
	for i, r := range rows {
		b.WriteString(r.format(w))
		if i == 0 { // the SOA's timers, one per line, under its rdata
			for _, f := range []struct {
				v    uint64
				name string
			}{{uint64(serial), "serial"}, {uint64(z.SOA.Refresh), "refresh"}, {uint64(z.SOA.Retry), "retry"},
				{uint64(z.SOA.Expire), "expire"}, {uint64(z.SOA.Minimum), "minimum"}} {
				v := strconv.FormatUint(f.v, 10)
				if f.name == "minimum" {
					v += " )"
				}
				fmt.Fprintf(&b, "%s%-12s ; %s\n", soaIndent, v, f.name)
			}
		}
	}
	return []byte(b.String()), nil
}

// row is one resource record line.
type row struct {
	name  string
	ttl   int
	typ   string
	rdata string
	why   string
}

type colWidths struct{ name, ttl, typ, rdata int }

func widths(rows []row) colWidths {
	var w colWidths
	for _, r := range rows {
		w.name = max(w.name, len(r.name))
		w.ttl = max(w.ttl, len(strconv.Itoa(r.ttl)))
		w.typ = max(w.typ, len(r.typ))
		if r.why != "" {
			w.rdata = max(w.rdata, len(r.rdata))
		}
	}
	return w
}

func (r row) format(w colWidths) string {
	line := fmt.Sprintf("%-*s %*d IN %-*s %s", w.name, r.name, w.ttl, r.ttl, w.typ, r.typ, r.rdata)
	if r.why != "" {
		line = fmt.Sprintf("%-*s ; %s", w.name+1+w.ttl+len(" IN ")+w.typ+1+w.rdata, line, r.why)
	}
	return strings.TrimRight(line, " ") + "\n"
}

// rdata is a record's data in zone file syntax, checked for its type.
func rdata(r plan.Record) (string, error) {
	if err := checkRecord(r); err != nil {
		return "", err
	}
	switch r.Type {
	case "CNAME":
		return abs(r.Value), nil
	case "SRV":
		return fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, abs(r.Value)), nil
	}
	return r.Value, nil
}

// abs is a name with its trailing dot.
func abs(name string) string {
	return strings.TrimSuffix(name, ".") + "."
}
