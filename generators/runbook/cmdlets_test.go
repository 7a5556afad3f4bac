package runbook

import (
	"regexp"
	"slices"
	"testing"
)

// findCmdlets finds what the regular expression it replaced finds.
var cmdletPattern = regexp.MustCompile(`\b[A-Z][a-z]+-Cs[A-Za-z]+\b`)

func FuzzFindCmdlets(f *testing.F) {
	for _, s := range []string{
		"Get-CsService -WebServer", "xGet-CsUser", "Get-Cs", "Get-CsUser2", "Get-CsUser_x", "(Set-CsMobilityPolicy -Identity 'x');Get-CsCertificate",
		"GGet-CsX", "Get-Cs-CsX", "A-CsB", "Ab-CsB.Cd-CsE", "-Cs", "a-CsB", "Über-CsX", "Set-PlannedCertificate; New-CsHostingProvider",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := findCmdlets(s), cmdletPattern.FindAllString(s, -1)
		if !slices.Equal(got, want) {
			t.Fatalf("findCmdlets(%q) = %q, want %q", s, got, want)
		}
	})
}
