package dns

import (
	"bytes"
	"regexp"
	"strconv"
)

// serialRE finds the serial in a zone file written by ZoneFile.
var serialRE = regexp.MustCompile(`(?m)^\s+(\d+)\s+; serial$`)

// Serial chooses a zone's SOA serial: 1 without a previous file (or one
// whose serial cannot be read); the previous serial when render(previous
// serial) reproduces the previous file byte for byte; else the previous
// serial + 1 (wrapping to 1 past the 32-bit maximum, never 0).
func Serial(prev []byte, render func(serial uint32) []byte) uint32 {
	old, ok := ParseSerial(prev)
	if !ok {
		return 1
	}
	if bytes.Equal(render(old), prev) {
		return old
	}
	if old == ^uint32(0) {
		return 1
	}
	return old + 1
}

// ParseSerial reads the serial of a zone file written by ZoneFile.
func ParseSerial(zone []byte) (uint32, bool) {
	m := findSerial(zone)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(string(zone[m[2]:m[3]]), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// serialHead is how much of a zone file findSerial looks at first: the
// SOA is at the top of a file ZoneFile wrote, which at scale runs to
// megabytes.
const serialHead = 4 << 10

// findSerial is serialRE.FindSubmatchIndex(zone), looking at the head of
// the file first. A match in the head that ends before the head does is
// a match in the whole file, and the first one: a match holds one
// "; serial" and otherwise only digits and white space, so two matches
// never overlap, and one starting earlier would end earlier too.
func findSerial(zone []byte) []int {
	if len(zone) > serialHead {
		if m := serialRE.FindSubmatchIndex(zone[:serialHead]); m != nil && m[1] < serialHead {
			return m
		}
	}
	return serialRE.FindSubmatchIndex(zone)
}
