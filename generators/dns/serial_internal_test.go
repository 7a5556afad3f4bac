package dns

import (
	"slices"
	"strings"
	"testing"
)

// FuzzFindSerial: looking at the head first finds what the whole file's
// search finds, for texts that straddle the head's end (a padding brings
// the second part to it).
func FuzzFindSerial(f *testing.F) {
	f.Add("$ORIGIN x.\n", "  2026120101 ; serial\n", 0, " ")
	f.Add("@ IN SOA a. b. (\n", "\n 7 ; serial", -3, "\n")
	f.Add(" 1 ; seri", "al\n 2 ; serial\n", -9, "x")
	f.Add("", " 3 ; serial", 5, "\t\n")
	// " 5 ; serial" ends where the head does, but not its line.
	f.Add("", " 5 ; serialx\n 6 ; serial\n", -11, "\n")
	f.Fuzz(func(t *testing.T, head, rest string, shift int, pad string) {
		if pad == "" {
			pad = " "
		}
		n := serialHead - len(head) + shift%64
		if n < 0 {
			n = 0
		}
		zone := []byte(head + strings.Repeat(pad, n/len(pad)+1)[:n] + rest)
		if got, want := findSerial(zone), serialRE.FindSubmatchIndex(zone); !slices.Equal(got, want) {
			t.Fatalf("findSerial = %v, want %v (%d bytes)", got, want, len(zone))
		}
	})
}
