package dns

import (
	"fmt"

	"github.com/mobplan/mobplan/internal/encode"
	"github.com/mobplan/mobplan/planner/plan"
)

// A master file (RFC 1035 section 5.1) is read line by line: a line that
// starts with '$' is a directive ($INCLUDE reads another file, $ORIGIN
// changes what relative names mean), one that starts with a blank
// repeats the previous owner, ';' starts a comment, parentheses join
// lines, '"' quotes and '\' escapes. The encoders escape nothing: every
// name is a DNS name of letters, digits, hyphens and underscores (with
// "*" as a whole leftmost label where a record may be a wildcard, and
// "@" for the apex), every address is an address of the record's
// family, every number is in its field's range, and comments are text
// on one line. In such values no character is special, so no value can
// start a directive, a record or a comment, and a value they do not
// allow is an error.

// zoneName refuses what cannot be a zone's name ($ORIGIN).
func zoneName(s string) error {
	return encode.DNSName(s, encode.DNSOptions{Underscore: true, Single: true})
}

// ownerName refuses what cannot be a record's owner, relative to its zone.
func ownerName(s string) error {
	if s == "@" {
		return nil
	}
	if err := encode.DNSName(s, encode.DNSOptions{Wildcard: true, Underscore: true, Single: true}); err != nil {
		return fmt.Errorf("record name: %w", err)
	}
	return nil
}

// targetName refuses what cannot be a target (CNAME, SRV, NS, SOA).
func targetName(what, s string) error {
	if err := encode.DNSName(s, encode.DNSOptions{Underscore: true, Single: true}); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// zoneComment refuses text that cannot follow ';' on one line.
func zoneComment(s string) error {
	if err := encode.Line(s); err != nil {
		return fmt.Errorf("cannot be written in a zone file comment: %w", err)
	}
	return nil
}

func inRange(what string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d is not from %d to %d", what, v, lo, hi)
	}
	return nil
}

// maxTTL is RFC 2181's largest TTL (and the largest SOA timer).
const maxTTL = 1<<31 - 1

// checkZoneValues checks what a zone writes besides its records.
func checkZoneValues(z plan.Zone) error {
	if err := zoneName(z.Name); err != nil {
		return fmt.Errorf("zone name: %w", err)
	}
	if _, ok := viewServer[z.View]; !ok {
		return fmt.Errorf("view %q is neither internal nor external", z.View)
	}
	if err := zoneComment(z.Kind); err != nil {
		return fmt.Errorf("zone kind: %w", err)
	}
	if err := targetName("SOA primary name server", z.SOA.PrimaryNS); err != nil {
		return err
	}
	if err := targetName("SOA hostmaster", z.SOA.Hostmaster); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		v    int
	}{{"SOA refresh", z.SOA.Refresh}, {"SOA retry", z.SOA.Retry}, {"SOA expire", z.SOA.Expire}, {"SOA minimum", z.SOA.Minimum}} {
		if err := inRange(t.name, t.v, 0, maxTTL); err != nil {
			return err
		}
	}
	for _, ns := range z.NS {
		if err := targetName("name server", ns); err != nil {
			return err
		}
	}
	return nil
}

// checkRecord checks one record: its name, its type, its data for that
// type, its numbers and its comment.
func checkRecord(r plan.Record) error {
	if err := ownerName(r.Name); err != nil {
		return err
	}
	if err := inRange("TTL", r.TTL, 0, maxTTL); err != nil {
		return err
	}
	if err := zoneComment(r.Why); err != nil {
		return err
	}
	switch r.Type {
	case "A":
		return encode.IPv4(r.Value)
	case "AAAA":
		return encode.IPv6(r.Value)
	case "CNAME":
		return targetName("CNAME target", r.Value)
	case "SRV":
		for _, f := range []struct {
			name string
			v    int
		}{{"SRV priority", r.Priority}, {"SRV weight", r.Weight}, {"SRV port", r.Port}} {
			if err := inRange(f.name, f.v, 0, 65535); err != nil {
				return err
			}
		}
		return targetName("SRV target", r.Value)
	}
	return fmt.Errorf("record type %q is not A, AAAA, CNAME or SRV", r.Type)
}
