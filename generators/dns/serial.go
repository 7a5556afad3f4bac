package dns

import (
	"bytes"
	"strconv"
)

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

// findSerial finds the serial of a zone file ZoneFile wrote, the first
// match of (?m)^\s+(\d+)\s+; serial$ as regexp's FindSubmatchIndex
// returns it: the whole match, then the digits. It is written out, as the
// search of a fixed marker then a walk back, because at scale a plan reads
// tens of thousands of zone files and a regular expression scanned each
// file's head at a fraction of the speed; FuzzFindSerial holds it to the
// expression.
func findSerial(zone []byte) []int {
	for from := 0; ; {
		i := bytes.Index(zone[from:], serialMark)
		if i < 0 {
			return nil
		}
		i += from
		from = i + 1
		end := i + len(serialMark)
		if end < len(zone) && zone[end] != '\n' { // $: the end of the line
			continue
		}
		j := back(zone, i, isSpace)
		digitsEnd := j
		j = back(zone, j, isDigit)
		if digitsEnd == i || j == digitsEnd {
			continue
		}
		// ^\s+: the first line start in the white space before the digits.
		for p := back(zone, j, isSpace); p < j; p++ {
			if p == 0 || zone[p-1] == '\n' {
				return []int{p, end, j, digitsEnd}
			}
		}
	}
}

var serialMark = []byte("; serial")

// back returns the start of the run of bytes in ok that ends at i.
func back(b []byte, i int, ok func(byte) bool) int {
	for i > 0 && ok(b[i-1]) {
		i--
	}
	return i
}

// isSpace is regexp's \s.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
