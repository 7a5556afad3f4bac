package schema

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/suggest"
)

// ExpiresLayout is the form of an acknowledgement's expires date.
const ExpiresLayout = "2006-01-02"

// Acknowledge applies the topology's acknowledgements (acknowledge
// "VER-009" { reason = "…" expires = "2027-06-30" }) to its findings:
// the warnings and notes of an acknowledged rule leave ds and are
// returned as acknowledged, unless the acknowledgement expired before
// today (UTC), when they stay, saying so. An error is fixed, never
// accepted: a finding of an acknowledged rule that is an error stays,
// and the acknowledge block is an error too, saying so. (A rule's
// severity can depend on the finding, RP-003 is an error or a warning,
// so the block is judged by the findings, not by the catalogue.) An
// acknowledgement of an unknown rule is an error at the block.
func (s *Schema) Acknowledge(doc *canon.Document, ds diag.Diagnostics, today time.Time) (diag.Diagnostics, []diag.Acknowledged) {
	raw, _ := doc.Value["acknowledgements"].(map[string]any)
	if len(raw) == 0 {
		return ds, nil
	}
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	day := today.UTC().Format(ExpiresLayout)
	type ack struct {
		reason, expires string
		at              *diag.Range
		expired         bool
	}
	active := map[string]ack{}
	var refused diag.Diagnostics
	for _, id := range ids {
		entry, _ := raw[id].(map[string]any)
		reason, _ := entry["reason"].(string)
		expires, _ := entry["expires"].(string)
		var at *diag.Range
		if r, ok := doc.RangeOf(canon.Path{"acknowledgements", id}); ok {
			at = &r
		}
		if _, known := s.cat.byID[id]; !known {
			d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleReference, Summary: "Unknown rule in acknowledge",
				Detail: fmt.Sprintf("No rule of the catalogue is called %q, so there is nothing to acknowledge.", id),
				Hint:   "'mobplan rules' lists every rule ID.", Range: at}
			if sug := s.suggestRule(id); sug != "" {
				d.Hint = fmt.Sprintf("Did you mean %q? 'mobplan rules' lists every rule ID.", sug)
			}
			refused = append(refused, d)
			continue
		}
		if expires != "" {
			if _, err := time.Parse(ExpiresLayout, expires); err != nil {
				r := at
				if er, ok := doc.RangeOf(canon.Path{"acknowledgements", id, "expires"}); ok {
					r = &er
				}
				refused = append(refused, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "Invalid expiry date",
					Detail: fmt.Sprintf("expires = %q is not a date of the calendar.", expires), Hint: "Write the last day the acknowledgement holds as YYYY-MM-DD.", Range: r})
				continue
			}
		}
		// Dates in one layout compare as strings.
		active[id] = ack{reason: reason, expires: expires, at: at, expired: expires != "" && expires < day}
	}
	var kept diag.Diagnostics
	var acks []diag.Acknowledged
	erring := map[string]bool{}
	for _, d := range ds {
		a, ok := active[d.Rule]
		switch {
		case !ok:
			kept = append(kept, d)
		case d.Severity == diag.Error:
			kept = append(kept, d)
			if !erring[d.Rule] {
				erring[d.Rule] = true
				info := s.cat.byID[d.Rule]
				refused = append(refused, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "An error cannot be acknowledged",
					Detail: fmt.Sprintf("%s (%s) is an error here: a topology that breaks it does not work, whatever the reason. Only warnings and notes can be acknowledged.", d.Rule, info.Summary),
					Hint:   fmt.Sprintf("Fix the error this acknowledge block names; 'mobplan rules %s' explains the rule.", d.Rule), Range: a.at})
			}
		case a.expired:
			where := ""
			if a.at != nil && a.at.Valid() {
				where = " (" + a.at.String() + ")"
			}
			d.Detail = strings.TrimSpace(d.Detail + fmt.Sprintf(" The acknowledgement of %s%s expired on %s; renew it or fix the finding. Its reason was: %s", d.Rule, where, a.expires, a.reason))
			kept = append(kept, d)
		default:
			acks = append(acks, diag.Acknowledged{Diagnostic: d, Reason: a.reason, Expires: a.expires, At: a.at})
		}
	}
	kept = append(kept, refused...)
	kept.Sort()
	return kept, acks
}

// suggestRule names the rule an unknown ID was likely meant to be.
func (s *Schema) suggestRule(id string) string {
	up := strings.ToUpper(strings.TrimSpace(id))
	if _, ok := s.cat.byID[up]; ok {
		return up
	}
	known := make([]string, 0, len(s.cat.rules))
	for _, r := range s.cat.rules {
		known = append(known, r.ID)
	}
	if sug := suggest.Closest(up, known); sug != "" {
		return sug
	}
	// VER-9 for VER-009: the same family and number.
	if fam, num, ok := strings.Cut(up, "-"); ok {
		for _, k := range known {
			if kf, kn, _ := strings.Cut(k, "-"); kf == fam && strings.TrimLeft(kn, "0") == strings.TrimLeft(num, "0") {
				return k
			}
		}
	}
	return ""
}
