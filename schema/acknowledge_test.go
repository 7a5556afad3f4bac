package schema

import (
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

func TestAcknowledge(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	doc := canon.NewDocument("json", ".")
	doc.Value["acknowledgements"] = map[string]any{
		"VER-009": map[string]any{"reason": "accepted", "expires": "2027-06-30"},
		"RP-003":  map[string]any{"reason": "HTTP on purpose"},
		"DNS-001": map[string]any{"reason": "not ours"},
		"VER-9":   map[string]any{"reason": "typo"},
	}
	doc.SetRange(canon.Path{"acknowledgements", "VER-009"}, diag.Range{Filename: "t.json", Start: diag.Pos{Line: 3, Column: 5}})
	ds := diag.Diagnostics{
		{Severity: diag.Info, Rule: "VER-009", Summary: "note"},
		{Severity: diag.Warning, Rule: "RP-003", Summary: "warning"},
		// A finding of a warning rule raised as an error stays an error.
		{Severity: diag.Error, Rule: "RP-003", Summary: "error of a warning rule"},
		{Severity: diag.Warning, Rule: "CERT-009", Summary: "not acknowledged"},
		{Severity: diag.Error, Rule: "DNS-001", Summary: "an error"},
		{Severity: diag.Error, Rule: "DNS-001", Summary: "another"},
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	kept, acks := s.Acknowledge(doc, ds, day("2027-06-30T23:59:59Z"))
	if len(acks) != 2 || acks[0].Rule != "VER-009" || acks[0].Reason != "accepted" || acks[0].Expires != "2027-06-30" ||
		acks[0].At == nil || acks[0].At.Start.Line != 3 || acks[1].Rule != "RP-003" || acks[1].Severity != diag.Warning {
		t.Errorf("acknowledged: %+v", acks)
	}
	var rules []string
	for _, d := range kept {
		rules = append(rules, d.Severity.String()+" "+d.Rule+" "+d.Summary)
	}
	want := []string{
		"error SCHEMA-001 An error cannot be acknowledged", // RP-003's error
		"error SCHEMA-001 An error cannot be acknowledged", // DNS-001, once
		"error DNS-001 an error",
		"error DNS-001 another",
		"error SCHEMA-002 Unknown rule in acknowledge",
		"error RP-003 error of a warning rule",
		"warning CERT-009 not acknowledged",
	}
	if strings.Join(sorted(rules), "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("kept:\n%s\nwant:\n%s", strings.Join(rules, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range kept {
		if d.Rule == canon.RuleReference && !strings.Contains(d.Hint, `"VER-009"`) {
			t.Errorf("no suggestion for VER-9: %+v", d)
		}
	}

	// The day after: VER-009 is back, saying its acknowledgement expired;
	// RP-003, acknowledged with no expiry, stays acknowledged.
	kept, acks = s.Acknowledge(doc, ds, day("2027-07-01T00:00:00Z"))
	if len(acks) != 1 || acks[0].Rule != "RP-003" {
		t.Errorf("acknowledged after expiry: %+v", acks)
	}
	found := false
	for _, d := range kept {
		if d.Rule == "VER-009" {
			found = strings.Contains(d.Detail, "expired on 2027-06-30") && strings.Contains(d.Detail, "accepted") && d.Severity == diag.Info
		}
	}
	if !found {
		t.Errorf("expired VER-009 not shown again: %+v", kept)
	}

	// No acknowledgements: the findings as they were.
	kept, acks = s.Acknowledge(canon.NewDocument("json", "."), ds, day("2027-07-01T00:00:00Z"))
	if len(kept) != len(ds) || acks != nil {
		t.Errorf("without acknowledgements: %d kept, %v", len(kept), acks)
	}
}

func sorted(ss []string) []string {
	out := append([]string{}, ss...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
