package dns

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// serialRE is what findSerial does, as a regular expression.
var serialRE = regexp.MustCompile(`(?m)^\s+(\d+)\s+; serial$`)

// FuzzFindSerial: findSerial finds what serialRE finds, for texts of a
// head, padding and a rest (the shape of a zone file: a long run before
// the SOA's serial line, or none).
func FuzzFindSerial(f *testing.F) {
	f.Add("$ORIGIN x.\n", "  2026120101 ; serial\n", 0, " ")
	f.Add("@ IN SOA a. b. (\n", "\n 7 ; serial", -3, "\n")
	f.Add(" 1 ; seri", "al\n 2 ; serial\n", -9, "x")
	f.Add("", " 3 ; serial", 5, "\t\n")
	// A marker not at the end of its line, then one that is.
	f.Add("", " 5 ; serialx\n 6 ; serial\n", -11, "\n")
	f.Add(" 1\n 2 ; serial", "", 0, "")
	f.Add("\n\n \t12\n\r ; serial\n", " 3 ; serial", 0, "")
	f.Add("x 12 ; serial\n", "  12 34 ; serial\n", 0, "")
	f.Add("; serial; serial\n", " 9 ; serial; serial", 1, "\f")
	f.Fuzz(func(t *testing.T, head, rest string, shift int, pad string) {
		if pad == "" {
			pad = " "
		}
		n := shift % 8192
		if n < 0 {
			n = 0
		}
		zone := []byte(head + strings.Repeat(pad, n/len(pad)+1)[:n] + rest)
		if got, want := findSerial(zone), serialRE.FindSubmatchIndex(zone); !slices.Equal(got, want) {
			t.Fatalf("findSerial = %v, want %v (%d bytes)", got, want, len(zone))
		}
	})
}
