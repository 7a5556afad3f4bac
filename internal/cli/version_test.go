package cli

import "testing"

// A binary from go install …@<commit> names its commit by the pseudo-version.
func TestPseudoVersionCommit(t *testing.T) {
	for v, want := range map[string]string{
		"v0.0.0-20261201120000-0123456789ab":       "0123456789ab",
		"v1.2.4-0.20261201120000-abcdefabcdef":     "abcdefabcdef",
		"v1.2.3-pre.0.20261201120000-0123456789ab": "0123456789ab",
		"v1.2.3": "",
	} {
		got := ""
		if m := pseudoVersionRev.FindStringSubmatch(v); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%s: commit %q, want %q", v, got, want)
		}
	}
}
