package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
)

// hintRules say what the hint of a finding must (or must not) say, given
// what its message says: a rule whose clauses need different fixes must
// not hand every finding the fix of one clause.
var hintRules = []struct {
	rule      string
	detailHas string // the finding, by a phrase of its message
	hintHas   []string
	hintLacks []string
}{
	{rule: "HLB-005", detailHas: "HttpOnly", hintHas: []string{"not HttpOnly"}},
	{rule: "HLB-005", detailHas: "MS-WSMAN", hintHas: []string{"MS-WSMAN"}},
	{rule: "VER-006", detailHas: "mcx ", hintHas: []string{"mcx"}, hintLacks: []string{"Upgrade"}},
	{rule: "VER-006", detailHas: "Lync 2010 Mobile clients", hintHas: []string{"Lync 2010 Mobile"}},
	{rule: "POL-006", detailHas: "Online only", hintHas: []string{"Drop"}, hintLacks: []string{"raise"}},
	{rule: "RP-001", detailHas: "bridges HTTPS to port", hintHas: []string{"4443"}},
	{rule: "RP-008", detailHas: "plain HTTP", hintHas: []string{"back_scheme"}},
	{rule: "TOPO-007", detailHas: "has a hyphen", hintHas: []string{"letters, digits and dots"}},
}

// reRaise is a hint telling to move to a later product version.
var reRaise = regexp.MustCompile(`(?i)raise the (deployment's )?version|upgrade (the )?(pool|deployment|server)s? to`)

// reOlderVersion is a version older than the latest one, as messages name it.
var reOlderVersion = regexp.MustCompile(`Lync Server 2010|Lync Server 2013|Lync 2010|Lync 2013|lync2010|lync2013|Skype for Business Server 2015|sfb2015`)

// TestHintsMatchMessages checks the hint of every diagnostic of every
// example against its message: the table above, and that a hint never
// tells to raise the version unless the message names an older one.
func TestHintsMatchMessages(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(examplesDir, "invalid", "*"))
	for _, name := range validExamples {
		dirs = append(dirs, filepath.Join(examplesDir, name))
	}
	used := make([]bool, len(hintRules))
	for _, dir := range dirs {
		c, err := loader.Load(dir, loader.Options{})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, d := range c.Diagnostics {
			checkHint(t, dir, d, used)
		}
	}
	for i, r := range hintRules {
		if !used[i] {
			t.Errorf("no example has a %s finding saying %q: add one, or drop the row", r.rule, r.detailHas)
		}
	}
}

func checkHint(t *testing.T, dir string, d diag.Diagnostic, used []bool) {
	t.Helper()
	where := filepath.Base(dir) + ": " + d.Rule
	if reRaise.MatchString(d.Hint) && !reOlderVersion.MatchString(d.Detail) {
		t.Errorf("%s: the hint %q tells to raise the version, but the message names no older version: %s", where, d.Hint, d.Detail)
	}
	for i, r := range hintRules {
		if r.rule != d.Rule || !strings.Contains(d.Detail, r.detailHas) {
			continue
		}
		used[i] = true
		for _, s := range r.hintHas {
			if !strings.Contains(d.Hint, s) {
				t.Errorf("%s: message %q, but the hint %q does not say %q", where, d.Detail, d.Hint, s)
			}
		}
		for _, s := range r.hintLacks {
			if strings.Contains(d.Hint, s) {
				t.Errorf("%s: message %q, but the hint %q says %q", where, d.Detail, d.Hint, s)
			}
		}
	}
}
