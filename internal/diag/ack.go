package diag

import (
	"fmt"
	"io"
	"strings"
)

// Acknowledged is a finding (a warning or a note) that the topology
// acknowledges with an acknowledge block: the organisation has accepted
// it, so it is not printed as a warning but listed as acknowledged, with
// the reason, until the acknowledgement expires.
type Acknowledged struct {
	Diagnostic
	Reason string `json:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the acknowledgement
	// holds; "" for none.
	Expires string `json:"expires,omitempty"`
	// At is the acknowledge block.
	At *Range `json:"acknowledged_at,omitempty"`
}

// JSONAcknowledged is an acknowledged finding in JSON form.
type JSONAcknowledged struct {
	JSONDiagnostic
	Reason         string `json:"reason"`
	Expires        string `json:"expires,omitempty"`
	AcknowledgedAt *Range `json:"acknowledged_at,omitempty"`
}

// WithAcknowledged adds the acknowledged findings to a JSON report (they
// are in no count but their own).
func (r JSONReport) WithAcknowledged(acks []Acknowledged, sources map[string][]byte) JSONReport {
	if len(acks) == 0 {
		return r
	}
	r.AcknowledgedCount = len(acks)
	r.Acknowledged = make([]JSONAcknowledged, 0, len(acks))
	for _, a := range acks {
		jd := NewJSONReport(Diagnostics{a.Diagnostic}, sources).Diagnostics[0]
		r.Acknowledged = append(r.Acknowledged, JSONAcknowledged{JSONDiagnostic: jd, Reason: a.Reason, Expires: a.Expires, AcknowledgedAt: a.At})
	}
	return r
}

// WriteAcknowledgedText lists acknowledged findings in one line each:
// rule, summary, where, reason and expiry. Nothing is written for none.
func WriteAcknowledgedText(w io.Writer, acks []Acknowledged) error {
	if len(acks) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, not shown as warnings:\n", plural(len(acks), "acknowledged finding", "acknowledged findings"))
	for _, a := range acks {
		loc := ""
		if a.Range != nil && a.Range.Valid() {
			loc = " (" + a.Range.String() + ")"
		}
		until := ""
		if a.Expires != "" {
			until = ", until " + a.Expires
		}
		fmt.Fprintf(&b, "  %s [%s]%s: acknowledged%s: %s\n", terminalSafe(a.Summary, false), terminalSafe(a.Rule, false),
			terminalSafe(loc, false), terminalSafe(until, false), terminalSafe(a.Reason, false))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// UnmarshalText reads a severity as MarshalText writes it (a saved plan
// keeps its warnings).
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
