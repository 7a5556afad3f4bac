package schema

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// What raises a rule's diagnostics: the values of a catalogue entry's
// checked_by (#Checker in catalogue.cue).
const (
	CheckedByFrontEnd  = "frontend"  // a front-end reading the files
	CheckedBySchema    = "schema"    // the unification with #Topology (Check)
	CheckedByCUE       = "cue"       // violations[ID] in the rule's family file
	CheckedByGo        = "go"        // Go code of this package (certfile.go, gorules*.go)
	CheckedByGenerator = "generator" // a generator run by plan and apply
)

// catalogue is the rule catalogue as Go reads it from the CUE.
type catalogue struct {
	rules     []diag.RuleInfo // in catalogue order
	byID      map[string]diag.RuleInfo
	checkedBy map[string][]string
	families  []string // ID prefixes in catalogue order
	checks    []string // IDs with a CUE check, in catalogue order
}

// catalogueEntry is one entry of `catalogue` in CUE; Decode drops fields
// the struct lacks, so a test compares it with #RuleInfo.
type catalogueEntry struct {
	diag.RuleInfo
	CheckedBy []string `json:"checked_by"`
}

// loadCatalogue reads the catalogue, its families and the IDs of the CUE
// checks, and refuses a check without a catalogue entry (it would have no
// severity) and a checked_by that disagrees with the checks.
func loadCatalogue(root cue.Value) (catalogue, error) {
	c := catalogue{byID: map[string]diag.RuleInfo{}, checkedBy: map[string][]string{}}
	var fams []struct {
		Prefix string `json:"prefix"`
	}
	if err := root.LookupPath(cue.ParsePath("families")).Decode(&fams); err != nil {
		return c, fmt.Errorf("families: %w", err)
	}
	for _, f := range fams {
		c.families = append(c.families, f.Prefix)
	}
	var entries map[string]catalogueEntry
	if err := root.LookupPath(cue.ParsePath("catalogue")).Decode(&entries); err != nil {
		return c, err
	}
	for id, e := range entries {
		e.ID = id
		c.rules = append(c.rules, e.RuleInfo)
		c.byID[id] = e.RuleInfo
		c.checkedBy[id] = e.CheckedBy
	}
	sort.Slice(c.rules, func(i, j int) bool { return c.less(c.rules[i].ID, c.rules[j].ID) })
	it, err := root.LookupPath(cue.ParsePath("violations")).Fields(cue.Optional(true), cue.Patterns(false))
	if err != nil {
		return c, fmt.Errorf("violations: %w", err)
	}
	inCUE := map[string]bool{}
	for it.Next() {
		id := it.Selector().Unquoted()
		inCUE[id] = true
		c.checks = append(c.checks, id)
		if _, ok := c.byID[id]; !ok {
			return c, fmt.Errorf("violations[%q] is a check of no catalogue rule: add catalogue: %q beside it", id, id)
		}
	}
	sort.Slice(c.checks, func(i, j int) bool { return c.less(c.checks[i], c.checks[j]) })
	if err := c.checkGoRules(inCUE); err != nil {
		return c, err
	}
	for _, r := range c.rules {
		says := slices.Contains(c.checkedBy[r.ID], CheckedByCUE)
		if says && !inCUE[r.ID] {
			return c, fmt.Errorf("%s: checked_by says %q, but there is no violations[%q]", r.ID, CheckedByCUE, r.ID)
		}
		if !says && inCUE[r.ID] {
			return c, fmt.Errorf("%s has violations[%q], but checked_by does not say %q", r.ID, r.ID, CheckedByCUE)
		}
	}
	return c, nil
}

// goCheckedElsewhere are the rules Go code of this package raises other
// than the Go rules (goRules): the files a topology refers to (certfile.go).
var goCheckedElsewhere = []string{canon.RuleFile}

// checkGoRules refuses a Go rule without a catalogue entry that says
// "go", a Go rule that also has a CUE check, and a catalogue entry that
// says "go" with no Go code to raise it.
func (c catalogue) checkGoRules(inCUE map[string]bool) error {
	inGo := map[string]bool{}
	for _, r := range goRules {
		if inGo[r.id] {
			return fmt.Errorf("the Go rule %s is listed twice", r.id)
		}
		inGo[r.id] = true
		if _, ok := c.byID[r.id]; !ok {
			return fmt.Errorf("the Go rule %s has no catalogue entry", r.id)
		}
		if !slices.Contains(c.checkedBy[r.id], CheckedByGo) {
			return fmt.Errorf("%s is a Go rule, but checked_by does not say %q", r.id, CheckedByGo)
		}
		if inCUE[r.id] {
			return fmt.Errorf("%s is a Go rule and has violations[%q] too: remove the CUE check", r.id, r.id)
		}
	}
	for _, r := range c.rules {
		if slices.Contains(c.checkedBy[r.ID], CheckedByGo) && !inGo[r.ID] && !slices.Contains(goCheckedElsewhere, r.ID) {
			return fmt.Errorf("%s: checked_by says %q, but there is no Go rule %s", r.ID, CheckedByGo, r.ID)
		}
	}
	return nil
}

// less orders rule IDs by family, then by ID.
func (c catalogue) less(a, b string) bool {
	pa, _, _ := strings.Cut(a, "-")
	pb, _, _ := strings.Cut(b, "-")
	ia, ib := c.family(pa), c.family(pb)
	if ia != ib {
		return ia < ib
	}
	return a < b
}

func (c catalogue) family(prefix string) int {
	if i := slices.Index(c.families, prefix); i >= 0 {
		return i
	}
	return len(c.families)
}

// Rules returns the catalogue in catalogue order.
func (s *Schema) Rules() []diag.RuleInfo { return s.cat.rules }

// Rule returns one rule's catalogue entry.
func (s *Schema) Rule(id string) (diag.RuleInfo, bool) {
	r, ok := s.cat.byID[strings.ToUpper(id)]
	return r, ok
}

// Implemented lists the rule IDs that have a check in CUE (violations).
func (s *Schema) Implemented() []string { return s.cat.checks }

// CheckedBy says what raises a rule (CheckedBy* values); nil for an
// unknown rule.
func (s *Schema) CheckedBy(id string) []string {
	return s.cat.checkedBy[strings.ToUpper(id)]
}

// Validated tells whether validate decides the rule: every rule but
// those only a generator raises, as plan and apply run the generators.
func (s *Schema) Validated(id string) bool {
	for _, by := range s.CheckedBy(id) {
		if by != CheckedByGenerator {
			return true
		}
	}
	return false
}
