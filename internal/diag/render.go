package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RuleInfo is one entry of the rule catalogue, as the schema describes it
// and as the SARIF writer publishes it.
type RuleInfo struct {
	ID          string   `json:"id"`
	Category    string   `json:"category"`
	Severity    string   `json:"severity"`
	Summary     string   `json:"summary"`
	Requirement string   `json:"requirement"`
	Hint        string   `json:"hint"`
	Sources     []string `json:"sources"`
}

// tabWidth is how many spaces a tab in a source line becomes in text
// output; the caret line counts a tab the same way.
const tabWidth = 4

// ANSI SGR sequences used when colour is on.
const (
	sgrReset      = "\x1b[0m"
	sgrBoldRed    = "\x1b[1;31m"
	sgrBoldYellow = "\x1b[1;33m"
	sgrBoldCyan   = "\x1b[1;36m"
)

func severityTitle(s Severity) string {
	switch s {
	case Error:
		return "Error"
	case Warning:
		return "Warning"
	default:
		return "Info"
	}
}

func severityColor(s Severity) string {
	switch s {
	case Error:
		return sgrBoldRed
	case Warning:
		return sgrBoldYellow
	default:
		return sgrBoldCyan
	}
}

// sourceLine returns line n (1-based) of src without its line ending.
func sourceLine(src []byte, n int) (string, bool) {
	if n < 1 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSuffix(string(src), "\r"), true
}

// snippetSpan locates a range on its first line: the line's text and the
// 1-based, exclusive-end rune columns the range covers on it, clamped to
// the line (a column one past the last character is allowed, for spans
// that point at the end of a line). ok is false when the line is not
// available.
func snippetSpan(r *Range, sources map[string][]byte) (line string, start, end int, ok bool) {
	if r == nil || !r.Valid() || r.Start.Line < 1 {
		return "", 0, 0, false
	}
	src, found := sources[r.Filename]
	if !found {
		return "", 0, 0, false
	}
	line, ok = sourceLine(src, r.Start.Line)
	if !ok {
		return "", 0, 0, false
	}
	n := utf8.RuneCountInString(line)
	start = min(max(r.Start.Column, 1), n+1)
	if r.End.Line == r.Start.Line {
		end = min(max(r.End.Column, start), n+1)
	} else {
		end = n + 1
	}
	return line, start, end, true
}

// WriteText writes the diagnostics in the given order in a human-readable
// form modelled on Terraform's, followed by a one-line count. sources maps
// file names to their content and is used to quote the offending line.
// With color, severities and carets are highlighted with ANSI escapes.
// Nothing at all is written when ds is empty.
func WriteText(w io.Writer, ds Diagnostics, sources map[string][]byte, color bool) error {
	if len(ds) == 0 {
		return nil
	}
	var b strings.Builder
	for _, d := range ds {
		writeTextOne(&b, d, sources, color)
	}
	fmt.Fprintf(&b, "%s, %s, %s\n",
		plural(ds.Count(Error), "error", "errors"),
		plural(ds.Count(Warning), "warning", "warnings"),
		plural(ds.Count(Info), "note", "notes"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func writeTextOne(b *strings.Builder, d Diagnostic, sources map[string][]byte, color bool) {
	paint := func(s string) string {
		if !color {
			return s
		}
		return severityColor(d.Severity) + s + sgrReset
	}

	b.WriteString(paint(severityTitle(d.Severity)))
	b.WriteString(": ")
	b.WriteString(terminalSafe(d.Summary, false))
	if d.Rule != "" {
		b.WriteString(" [" + terminalSafe(d.Rule, false) + "]")
	}
	b.WriteString("\n\n")

	if r := d.Range; r != nil && r.Valid() {
		file := terminalSafe(r.Filename, false)
		switch {
		case r.Start.Line < 1:
			fmt.Fprintf(b, "  on %s:\n", file)
		case r.Start.Column < 1:
			fmt.Fprintf(b, "  on %s line %d:\n", file, r.Start.Line)
		default:
			fmt.Fprintf(b, "  on %s line %d, column %d:\n", file, r.Start.Line, r.Start.Column)
		}
		if line, start, end, ok := snippetSpan(r, sources); ok {
			prefix := "  " + strconv.Itoa(r.Start.Line) + ": "
			var code strings.Builder
			offset, width := 0, 0
			col := 1
			for i := 0; i < len(line); {
				c, n := utf8.DecodeRuneInString(line[i:])
				cw := 1
				if c == '\t' {
					cw = tabWidth
					code.WriteString(strings.Repeat(" ", tabWidth))
				} else if e := termEscape(c, line[i], n, false); e != "" {
					// Shown escaped, and as wide as its escape.
					cw = len(e)
					code.WriteString(e)
				} else {
					code.WriteString(line[i : i+n])
				}
				i += n
				switch {
				case col < start:
					offset += cw
				case col < end:
					width += cw
				}
				col++
			}
			width = max(width, 1)
			b.WriteString(strings.TrimRight(prefix+code.String(), " "))
			b.WriteString("\n")
			b.WriteString(strings.Repeat(" ", len(prefix)+offset))
			b.WriteString(paint(strings.Repeat("^", width)))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}

	if d.Detail != "" {
		b.WriteString(terminalSafe(strings.TrimRight(d.Detail, "\n"), true))
		b.WriteString("\n\n")
	}
	if d.Hint != "" {
		b.WriteString("Hint: ")
		b.WriteString(terminalSafe(strings.TrimRight(d.Hint, "\n"), true))
		b.WriteString("\n\n")
	}
}

// JSON output.

// JSONReport is the JSON form of a set of diagnostics, as validate
// --format json prints it and other commands embed it.
type JSONReport struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	InfoCount     int              `json:"info_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
	// AcknowledgedCount and Acknowledged are the warnings and notes the
	// topology acknowledges (WithAcknowledged), in no other count.
	AcknowledgedCount int                `json:"acknowledged_count,omitempty"`
	Acknowledged      []JSONAcknowledged `json:"acknowledged,omitempty"`
}

// JSONDiagnostic is one diagnostic in JSON form.
type JSONDiagnostic struct {
	Severity Severity     `json:"severity"`
	Rule     string       `json:"rule"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail,omitempty"`
	Hint     string       `json:"hint,omitempty"`
	Range    *Range       `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonSnippet struct {
	Line        int    `json:"line"`
	Code        string `json:"code"`
	StartColumn int    `json:"start_column"`
	EndColumn   int    `json:"end_column"`
}

// WriteJSON writes the diagnostics, in the given order, as one indented
// JSON object (format_version "1") with counts, a valid flag (no errors)
// and, where the source is in sources, the first line of each range.
func WriteJSON(w io.Writer, ds Diagnostics, sources map[string][]byte) error {
	return encodeIndented(w, NewJSONReport(ds, sources))
}

// NewJSONReport builds the JSON form of the diagnostics.
func NewJSONReport(ds Diagnostics, sources map[string][]byte) JSONReport {
	rep := JSONReport{
		FormatVersion: "1",
		Valid:         !ds.HasErrors(),
		ErrorCount:    ds.Count(Error),
		WarningCount:  ds.Count(Warning),
		InfoCount:     ds.Count(Info),
		Diagnostics:   make([]JSONDiagnostic, 0, len(ds)),
	}
	for _, d := range ds {
		jd := JSONDiagnostic{
			Severity: d.Severity,
			Rule:     d.Rule,
			Summary:  d.Summary,
			Detail:   d.Detail,
			Hint:     d.Hint,
			Range:    d.Range,
		}
		if line, start, end, ok := snippetSpan(d.Range, sources); ok {
			jd.Snippet = &jsonSnippet{Line: d.Range.Start.Line, Code: line, StartColumn: start, EndColumn: end}
		}
		rep.Diagnostics = append(rep.Diagnostics, jd)
	}
	return rep
}

func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// SARIF output.

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     *sarifText         `json:"shortDescription,omitempty"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	Help                 *sarifText         `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifRuleConfig   `json:"defaultConfiguration,omitempty"`
	Properties           *sarifRuleProperty `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex *int            `json:"ruleIndex,omitempty"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
	// Suppressions mark an acknowledged finding: kept in the log, not
	// shown as an alert.
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

// sarifURI turns a file name into a URI reference: forward slashes,
// percent-encoded, relative names kept relative.
func sarifURI(name string) string {
	p := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// WriteSARIF writes the diagnostics as a SARIF 2.1.0 log with one run
// whose driver lists every rule in rules, in order. Columns are counted in
// Unicode code points, as Pos columns are.
func WriteSARIF(w io.Writer, ds Diagnostics, rules []RuleInfo, toolName, toolVersion, infoURI string) error {
	return WriteSARIFAcknowledged(w, ds, nil, rules, toolName, toolVersion, infoURI)
}

// WriteSARIFAcknowledged is WriteSARIF with the acknowledged findings
// after the others, each suppressed in source ("inSource", accepted)
// with its reason as the justification, as code scanning expects.
func WriteSARIFAcknowledged(w io.Writer, ds Diagnostics, acks []Acknowledged, rules []RuleInfo, toolName, toolVersion, infoURI string) error {
	driver := sarifDriver{
		Name:           toolName,
		Version:        toolVersion,
		InformationURI: infoURI,
		Rules:          make([]sarifRule, 0, len(rules)),
	}
	index := make(map[string]int, len(rules))
	for i, r := range rules {
		if _, dup := index[r.ID]; !dup {
			index[r.ID] = i
		}
		sr := sarifRule{ID: r.ID, Name: strings.ReplaceAll(r.ID, "-", "")}
		if r.Summary != "" {
			sr.ShortDescription = &sarifText{Text: r.Summary}
		}
		if r.Requirement != "" {
			sr.FullDescription = &sarifText{Text: r.Requirement}
		}
		if r.Hint != "" {
			sr.Help = &sarifText{Text: r.Hint}
		}
		if len(r.Sources) > 0 {
			sr.HelpURI = r.Sources[0]
		}
		if sev, err := ParseSeverity(r.Severity); err == nil {
			sr.DefaultConfiguration = &sarifRuleConfig{Level: sarifLevel(sev)}
		}
		if r.Category != "" {
			sr.Properties = &sarifRuleProperty{Tags: []string{r.Category}}
		}
		driver.Rules = append(driver.Rules, sr)
	}

	all := append(Diagnostics{}, ds...)
	for _, a := range acks {
		all = append(all, a.Diagnostic)
	}
	results := make([]sarifResult, 0, len(all))
	for n, d := range all {
		res := sarifResult{
			RuleID:  d.Rule,
			Level:   sarifLevel(d.Severity),
			Message: sarifText{Text: d.Summary},
		}
		if d.Detail != "" {
			res.Message.Text += ": " + d.Detail
		}
		if i, ok := index[d.Rule]; ok {
			res.RuleIndex = &i
		}
		if r := d.Range; r != nil && r.Valid() {
			loc := sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: sarifURI(r.Filename)}}
			if r.Start.Line > 0 {
				reg := &sarifRegion{StartLine: r.Start.Line}
				if r.Start.Column > 0 {
					reg.StartColumn = r.Start.Column
				}
				if r.End.Line >= r.Start.Line {
					reg.EndLine = r.End.Line
					if r.End.Column > 0 {
						reg.EndColumn = r.End.Column
					}
				}
				loc.Region = reg
			}
			res.Locations = []sarifLocation{{PhysicalLocation: loc}}
		}
		if n >= len(ds) {
			res.Suppressions = []sarifSuppression{{Kind: "inSource", Status: "accepted", Justification: acks[n-len(ds)].Reason}}
		}
		results = append(results, res)
	}

	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool:       sarifTool{Driver: driver},
			ColumnKind: "unicodeCodePoints",
			Results:    results,
		}},
	}
	return encodeIndented(w, log)
}
