package dnsserver

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/miekg/dns"
)

// Zone kinds, as the plan names them (plan.Zone.Kind).
const (
	KindAuthoritative = "authoritative"
	KindSplitBrain    = "split-brain"
	KindPinPoint      = "pin-point"
)

// Bounds on what a zone file may hold. The generated zones are a few
// kilobytes; the bounds keep a hostile or corrupt file (or a $GENERATE
// line) from taking the process's memory.
const (
	MaxZoneBytes   = 4 << 20
	MaxZoneRecords = 50000
)

// Zone is one zone of a view: its name (lower case, fully qualified),
// its kind (one of the Kind constants) and its records, every one of them
// inside the zone.
type Zone struct {
	Name    string
	Kind    string
	Records []dns.RR
}

// ParseZone parses a zone file's bytes with the zone's name as origin.
// $INCLUDE is refused (a zone is exactly its file), the size and record
// count are bounded, and every record must be of class IN and inside the
// zone. Owner names are lower-cased (DNS names compare without case).
// The returned Zone has no Kind: the caller sets it from the plan.
func ParseZone(name string, data []byte) (Zone, error) {
	origin, err := zoneName(name)
	if err != nil {
		return Zone{}, err
	}
	if len(data) > MaxZoneBytes {
		return Zone{}, fmt.Errorf("zone %s: file is %d bytes, more than the %d allowed", origin, len(data), MaxZoneBytes)
	}
	zp := dns.NewZoneParser(bytes.NewReader(data), origin, origin)
	zp.SetIncludeAllowed(false)
	z := Zone{Name: origin}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if len(z.Records) == MaxZoneRecords {
			return Zone{}, fmt.Errorf("zone %s: more than %d records", origin, MaxZoneRecords)
		}
		if err := checkRecord(origin, rr); err != nil {
			return Zone{}, err
		}
		rr.Header().Name = dns.CanonicalName(rr.Header().Name)
		z.Records = append(z.Records, rr)
	}
	if err := zp.Err(); err != nil {
		return Zone{}, fmt.Errorf("zone %s: %w", origin, err)
	}
	return z, nil
}

// zoneName is name as a zone name: valid, fully qualified, lower case.
func zoneName(name string) (string, error) {
	if name == "" {
		return "", errors.New("zone with no name")
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return "", fmt.Errorf("zone name %q is not a domain name", name)
	}
	return dns.CanonicalName(name), nil
}

// checkRecord refuses a record outside the zone or of another class.
func checkRecord(zone string, rr dns.RR) error {
	h := rr.Header()
	if h.Class != dns.ClassINET {
		return fmt.Errorf("zone %s: %s: class %s (only IN is served)", zone, h.Name, dns.Class(h.Class))
	}
	if !dns.IsSubDomain(zone, dns.CanonicalName(h.Name)) {
		return fmt.Errorf("zone %s: record %s is outside the zone", zone, h.Name)
	}
	return nil
}
