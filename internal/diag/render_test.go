package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const testFile = "examples/invalid/DNS-001/topology.hcl"

var testSources = map[string][]byte{
	testFile: []byte("" +
		"dns {\n" + // 1
		"  values = [\"10.0.0.1\"]\n" + // 2
		"  name = \"héllo wörld\" # x\n" + // 3
		"\tport = 443\r\n" + // 4
		"  pool {\n" + // 5
		"  }\n"), // 6
}

func rng(sl, sc, el, ec int) *Range {
	return &Range{Filename: testFile, Start: Pos{Line: sl, Column: sc}, End: Pos{Line: el, Column: ec}}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name string
		ds   Diagnostics
		want string
	}{
		{
			name: "empty prints nothing",
			ds:   nil,
			want: "",
		},
		{
			name: "error with range and source",
			ds: Diagnostics{{
				Severity: Error, Rule: "DNS-001", Summary: "Summary text",
				Detail: "Detail text, wrapped\nas given.", Hint: "hint text",
				Range: rng(2, 3, 2, 9),
			}},
			want: "" +
				"Error: Summary text [DNS-001]\n" +
				"\n" +
				"  on " + testFile + " line 2, column 3:\n" +
				"  2:   values = [\"10.0.0.1\"]\n" +
				"       ^^^^^^\n" +
				"\n" +
				"Detail text, wrapped\nas given.\n" +
				"\n" +
				"Hint: hint text\n" +
				"\n" +
				"1 error, 0 warnings, 0 notes\n",
		},
		{
			name: "multi-byte characters before the span",
			ds: Diagnostics{{
				Severity: Warning, Rule: "DNS-002", Summary: "Wörld",
				Range: rng(3, 17, 3, 22),
			}},
			want: "" +
				"Warning: Wörld [DNS-002]\n" +
				"\n" +
				"  on " + testFile + " line 3, column 17:\n" +
				"  3:   name = \"héllo wörld\" # x\n" +
				"                     ^^^^^\n" +
				"\n" +
				"0 errors, 1 warning, 0 notes\n",
		},
		{
			name: "tab expanded consistently and CR dropped",
			ds: Diagnostics{{
				Severity: Info, Rule: "PORT-001", Summary: "Port",
				Range: rng(4, 9, 4, 12),
			}},
			want: "" +
				"Info: Port [PORT-001]\n" +
				"\n" +
				"  on " + testFile + " line 4, column 9:\n" +
				"  4:     port = 443\n" +
				"                ^^^\n" +
				"\n" +
				"0 errors, 0 warnings, 1 note\n",
		},
		{
			name: "range spanning two lines underlines to end of first",
			ds: Diagnostics{{
				Severity: Error, Rule: "HLB-001", Summary: "Pool",
				Range: rng(5, 3, 6, 4),
			}},
			want: "" +
				"Error: Pool [HLB-001]\n" +
				"\n" +
				"  on " + testFile + " line 5, column 3:\n" +
				"  5:   pool {\n" +
				"       ^^^^^^\n" +
				"\n" +
				"1 error, 0 warnings, 0 notes\n",
		},
		{
			name: "empty span still gets one caret",
			ds: Diagnostics{{
				Severity: Error, Rule: "DNS-003", Summary: "Here",
				Range: rng(1, 6, 1, 6),
			}},
			want: "" +
				"Error: Here [DNS-003]\n" +
				"\n" +
				"  on " + testFile + " line 1, column 6:\n" +
				"  1: dns {\n" +
				"          ^\n" +
				"\n" +
				"1 error, 0 warnings, 0 notes\n",
		},
		{
			name: "nil range, file-only range and missing source",
			ds: Diagnostics{
				{Severity: Error, Rule: "SCHEMA-001", Summary: "No place", Detail: "d"},
				{Severity: Warning, Rule: "TOPO-001", Summary: "Whole file", Range: &Range{Filename: "other.hcl"}},
				{Severity: Warning, Rule: "TOPO-002", Summary: "No source", Range: &Range{Filename: "other.hcl", Start: Pos{Line: 3, Column: 2}, End: Pos{Line: 3, Column: 4}}},
				{Severity: Info, Rule: "VER-001", Summary: "Past EOF", Range: rng(40, 1, 40, 2)},
				{Severity: Info, Rule: "VER-002", Summary: "Info two"},
			},
			want: "" +
				"Error: No place [SCHEMA-001]\n" +
				"\n" +
				"d\n" +
				"\n" +
				"Warning: Whole file [TOPO-001]\n" +
				"\n" +
				"  on other.hcl:\n" +
				"\n" +
				"Warning: No source [TOPO-002]\n" +
				"\n" +
				"  on other.hcl line 3, column 2:\n" +
				"\n" +
				"Info: Past EOF [VER-001]\n" +
				"\n" +
				"  on " + testFile + " line 40, column 1:\n" +
				"\n" +
				"Info: Info two [VER-002]\n" +
				"\n" +
				"1 error, 2 warnings, 2 notes\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, tt.ds, testSources, false); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s\ngot  %q\nwant %q", got, tt.want, got, tt.want)
			}
			if strings.Contains(b.String(), "\x1b") {
				t.Errorf("color=false output contains an escape: %q", b.String())
			}
		})
	}
}

func TestWriteTextColor(t *testing.T) {
	tests := []struct {
		sev  Severity
		code string
	}{
		{Error, "\x1b[1;31m"},
		{Warning, "\x1b[1;33m"},
		{Info, "\x1b[1;36m"},
	}
	for _, tt := range tests {
		t.Run(tt.sev.String(), func(t *testing.T) {
			ds := Diagnostics{{Severity: tt.sev, Rule: "DNS-001", Summary: "S", Range: rng(2, 3, 2, 9)}}
			var b bytes.Buffer
			if err := WriteText(&b, ds, testSources, true); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if !strings.Contains(got, "\x1b[") {
				t.Fatalf("color=true output has no escape: %q", got)
			}
			title := map[Severity]string{Error: "Error", Warning: "Warning", Info: "Info"}[tt.sev]
			if !strings.HasPrefix(got, tt.code+title+"\x1b[0m: S [DNS-001]\n") {
				t.Errorf("severity not coloured: %q", got)
			}
			if !strings.Contains(got, tt.code+"^^^^^^\x1b[0m\n") {
				t.Errorf("caret line not coloured: %q", got)
			}
			// Stripping the escapes gives the plain output.
			var plain bytes.Buffer
			if err := WriteText(&plain, ds, testSources, false); err != nil {
				t.Fatal(err)
			}
			stripped := strings.NewReplacer(tt.code, "", "\x1b[0m", "").Replace(got)
			if stripped != plain.String() {
				t.Errorf("stripped colour output differs:\n%q\n%q", stripped, plain.String())
			}
		})
	}
}

func TestWriteTextSummaryPlurals(t *testing.T) {
	mk := func(e, w, i int) Diagnostics {
		var ds Diagnostics
		for range e {
			ds = append(ds, Diagnostic{Severity: Error, Rule: "R-1", Summary: "s"})
		}
		for range w {
			ds = append(ds, Diagnostic{Severity: Warning, Rule: "R-1", Summary: "s"})
		}
		for range i {
			ds = append(ds, Diagnostic{Severity: Info, Rule: "R-1", Summary: "s"})
		}
		return ds
	}
	tests := []struct {
		e, w, i int
		want    string
	}{
		{1, 0, 0, "1 error, 0 warnings, 0 notes"},
		{2, 1, 0, "2 errors, 1 warning, 0 notes"},
		{0, 2, 1, "0 errors, 2 warnings, 1 note"},
		{0, 0, 3, "0 errors, 0 warnings, 3 notes"},
		{1, 1, 1, "1 error, 1 warning, 1 note"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, mk(tt.e, tt.w, tt.i), nil, false); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if got := lines[len(lines)-1]; got != tt.want {
				t.Errorf("summary %q, want %q", got, tt.want)
			}
		})
	}
}

type jsonOut struct {
	FormatVersion string `json:"format_version"`
	Valid         *bool  `json:"valid"`
	ErrorCount    int    `json:"error_count"`
	WarningCount  int    `json:"warning_count"`
	InfoCount     int    `json:"info_count"`
	Diagnostics   []struct {
		Severity string `json:"severity"`
		Rule     string `json:"rule"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Hint     string `json:"hint"`
		Range    *Range `json:"range"`
		Snippet  *struct {
			Line        int    `json:"line"`
			Code        string `json:"code"`
			StartColumn int    `json:"start_column"`
			EndColumn   int    `json:"end_column"`
		} `json:"snippet"`
	} `json:"diagnostics"`
}

func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name      string
		ds        Diagnostics
		valid     bool
		e, w, i   int
		checkDiag func(t *testing.T, out jsonOut, raw map[string]any)
	}{
		{
			name: "empty", valid: true,
			checkDiag: func(t *testing.T, out jsonOut, raw map[string]any) {
				d, ok := raw["diagnostics"].([]any)
				if !ok || len(d) != 0 {
					t.Errorf("diagnostics = %#v, want []", raw["diagnostics"])
				}
			},
		},
		{
			name: "warnings only are valid", valid: true, w: 1, i: 1,
			ds: Diagnostics{
				{Severity: Warning, Rule: "DNS-002", Summary: "w"},
				{Severity: Info, Rule: "VER-001", Summary: "i"},
			},
			checkDiag: func(t *testing.T, out jsonOut, raw map[string]any) {
				d0 := raw["diagnostics"].([]any)[0].(map[string]any)
				for _, k := range []string{"detail", "hint", "range", "snippet"} {
					if _, ok := d0[k]; ok {
						t.Errorf("key %q present, want omitted", k)
					}
				}
				if out.Diagnostics[1].Severity != "info" {
					t.Errorf("severity %q", out.Diagnostics[1].Severity)
				}
			},
		},
		{
			name: "error with range and snippet", valid: false, e: 1, w: 1,
			ds: Diagnostics{
				{Severity: Error, Rule: "DNS-001", Summary: "s", Detail: "d", Hint: "h", Range: rng(3, 17, 3, 22)},
				{Severity: Warning, Rule: "HLB-001", Summary: "multi", Range: rng(5, 3, 6, 4)},
			},
			checkDiag: func(t *testing.T, out jsonOut, raw map[string]any) {
				d := out.Diagnostics[0]
				if d.Severity != "error" || d.Rule != "DNS-001" || d.Summary != "s" || d.Detail != "d" || d.Hint != "h" {
					t.Errorf("fields: %+v", d)
				}
				if d.Range == nil || *d.Range != *rng(3, 17, 3, 22) {
					t.Errorf("range %+v", d.Range)
				}
				if d.Snippet == nil {
					t.Fatal("no snippet")
				}
				if d.Snippet.Line != 3 || d.Snippet.Code != `  name = "héllo wörld" # x` || d.Snippet.StartColumn != 17 || d.Snippet.EndColumn != 22 {
					t.Errorf("snippet %+v", *d.Snippet)
				}
				s := out.Diagnostics[1].Snippet
				if s == nil || s.Code != "  pool {" || s.StartColumn != 3 || s.EndColumn != 9 {
					t.Errorf("multi-line snippet %+v", s)
				}
			},
		},
		{
			name: "snippet omitted without source", valid: false, e: 1,
			ds: Diagnostics{{Severity: Error, Rule: "X-1", Summary: "s", Range: &Range{Filename: "nope.hcl", Start: Pos{Line: 1, Column: 1}, End: Pos{Line: 1, Column: 2}}}},
			checkDiag: func(t *testing.T, out jsonOut, raw map[string]any) {
				if out.Diagnostics[0].Range == nil || out.Diagnostics[0].Snippet != nil {
					t.Errorf("range %+v snippet %+v", out.Diagnostics[0].Range, out.Diagnostics[0].Snippet)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJSON(&b, tt.ds, testSources); err != nil {
				t.Fatal(err)
			}
			s := b.String()
			if !strings.HasSuffix(s, "}\n") || !strings.HasPrefix(s, "{\n  \"format_version\": \"1\",\n") {
				t.Errorf("layout: %q", s)
			}
			var out jsonOut
			var raw map[string]any
			if err := json.Unmarshal(b.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			if out.FormatVersion != "1" || out.Valid == nil || *out.Valid != tt.valid {
				t.Errorf("format_version %q valid %v, want valid %v", out.FormatVersion, out.Valid, tt.valid)
			}
			if out.ErrorCount != tt.e || out.WarningCount != tt.w || out.InfoCount != tt.i {
				t.Errorf("counts %d/%d/%d, want %d/%d/%d", out.ErrorCount, out.WarningCount, out.InfoCount, tt.e, tt.w, tt.i)
			}
			if len(out.Diagnostics) != len(tt.ds) {
				t.Fatalf("%d diagnostics, want %d", len(out.Diagnostics), len(tt.ds))
			}
			tt.checkDiag(t, out, raw)
		})
	}
	t.Run("empty is [] not null", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteJSON(&b, Diagnostics{}, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `"diagnostics": []`) {
			t.Errorf("got %s", b.String())
		}
	})
}

type sarifOut struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					FullDescription struct {
						Text string `json:"text"`
					} `json:"fullDescription"`
					Help struct {
						Text string `json:"text"`
					} `json:"help"`
					HelpURI              string `json:"helpUri"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						Tags []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
						EndLine     int `json:"endLine"`
						EndColumn   int `json:"endColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func TestWriteSARIF(t *testing.T) {
	rules := []RuleInfo{
		{ID: "DNS-001", Category: "DNS", Severity: "error", Summary: "A record", Requirement: "Must resolve", Hint: "Add it", Sources: []string{"https://example.com/dns", "https://example.com/2"}},
		{ID: "CERT-002", Category: "CERT", Severity: "warning", Summary: "SAN"},
		{ID: "VER-001", Category: "VER", Severity: "info", Summary: "Version"},
	}
	ds := Diagnostics{
		{Severity: Error, Rule: "DNS-001", Summary: "A record", Detail: "missing lyncdiscover", Range: &Range{Filename: `examples\invalid\topology.hcl`, Start: Pos{Line: 2, Column: 3, Byte: 8}, End: Pos{Line: 2, Column: 9, Byte: 14}}},
		{Severity: Info, Rule: "VER-001", Summary: "Version"},
		{Severity: Warning, Rule: "SCHEMA-001", Summary: "Unknown", Range: &Range{Filename: "a.hcl"}},
	}
	var b bytes.Buffer
	if err := WriteSARIF(&b, ds, rules, "mobplan", "1.2.3", "https://example.com/mobplan"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "}\n") || !strings.HasPrefix(b.String(), "{\n  \"$schema\": ") {
		t.Errorf("layout: %q", b.String())
	}
	var out sarifOut
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Version != "2.1.0" || out.Schema != "https://json.schemastore.org/sarif-2.1.0.json" {
		t.Errorf("version %q schema %q", out.Version, out.Schema)
	}
	if len(out.Runs) != 1 {
		t.Fatalf("%d runs", len(out.Runs))
	}
	run := out.Runs[0]
	drv := run.Tool.Driver
	if drv.Name != "mobplan" || drv.Version != "1.2.3" || drv.InformationURI != "https://example.com/mobplan" {
		t.Errorf("driver %+v", drv)
	}
	if len(drv.Rules) != len(rules) {
		t.Fatalf("%d rules, want %d", len(drv.Rules), len(rules))
	}
	r0 := drv.Rules[0]
	if r0.ID != "DNS-001" || r0.Name != "DNS001" || r0.ShortDescription.Text != "A record" || r0.FullDescription.Text != "Must resolve" ||
		r0.Help.Text != "Add it" || r0.HelpURI != "https://example.com/dns" || r0.DefaultConfiguration.Level != "error" ||
		len(r0.Properties.Tags) != 1 || r0.Properties.Tags[0] != "DNS" {
		t.Errorf("rule 0 %+v", r0)
	}
	for i, want := range []string{"error", "warning", "note"} {
		if got := drv.Rules[i].DefaultConfiguration.Level; got != want {
			t.Errorf("rule %d level %q, want %q", i, got, want)
		}
	}
	if drv.Rules[1].HelpURI != "" {
		t.Errorf("helpUri without sources: %q", drv.Rules[1].HelpURI)
	}

	tests := []struct {
		rule      string
		index     int // -1: omitted
		level     string
		msg       string
		uri       string // "": no locations
		hasRegion bool
	}{
		{"DNS-001", 0, "error", "A record: missing lyncdiscover", "examples/invalid/topology.hcl", true},
		{"VER-001", 2, "note", "Version", "", false},
		{"SCHEMA-001", -1, "warning", "Unknown", "a.hcl", false},
	}
	if len(run.Results) != len(tests) {
		t.Fatalf("%d results", len(run.Results))
	}
	for i, tt := range tests {
		res := run.Results[i]
		t.Run(tt.rule, func(t *testing.T) {
			if res.RuleID != tt.rule || res.Level != tt.level || res.Message.Text != tt.msg {
				t.Errorf("result %+v", res)
			}
			switch {
			case tt.index < 0 && res.RuleIndex != nil:
				t.Errorf("ruleIndex %d, want omitted", *res.RuleIndex)
			case tt.index >= 0 && (res.RuleIndex == nil || *res.RuleIndex != tt.index):
				t.Errorf("ruleIndex %v, want %d", res.RuleIndex, tt.index)
			}
			if tt.uri == "" {
				if len(res.Locations) != 0 {
					t.Errorf("locations %+v, want none", res.Locations)
				}
				return
			}
			if len(res.Locations) != 1 {
				t.Fatalf("%d locations", len(res.Locations))
			}
			pl := res.Locations[0].PhysicalLocation
			if pl.ArtifactLocation.URI != tt.uri {
				t.Errorf("uri %q, want %q", pl.ArtifactLocation.URI, tt.uri)
			}
			if (pl.Region != nil) != tt.hasRegion {
				t.Fatalf("region %+v, want present=%v", pl.Region, tt.hasRegion)
			}
			if reg := pl.Region; reg != nil && (reg.StartLine != 2 || reg.StartColumn != 3 || reg.EndLine != 2 || reg.EndColumn != 9) {
				t.Errorf("region %+v", *reg)
			}
		})
	}

	t.Run("no diagnostics gives empty results array", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteSARIF(&b, nil, nil, "mobplan", "", ""); err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		run := raw["runs"].([]any)[0].(map[string]any)
		if r, ok := run["results"].([]any); !ok || len(r) != 0 {
			t.Errorf("results = %#v, want []", run["results"])
		}
	})
}

// An acknowledged finding is in the log, suppressed with its reason.
func TestWriteSARIFAcknowledged(t *testing.T) {
	ds := Diagnostics{{Severity: Warning, Rule: "RP-003", Summary: "open"}}
	acks := []Acknowledged{{Diagnostic: Diagnostic{Severity: Info, Rule: "VER-009", Summary: "accepted"}, Reason: "we use mobplan"}}
	var b bytes.Buffer
	if err := WriteSARIFAcknowledged(&b, ds, acks, []RuleInfo{{ID: "RP-003"}, {ID: "VER-009"}}, "mobplan", "", ""); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string
				Suppressions []struct{ Kind, Status, Justification string }
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	rs := log.Runs[0].Results
	if len(rs) != 2 || rs[0].RuleID != "RP-003" || len(rs[0].Suppressions) != 0 ||
		rs[1].RuleID != "VER-009" || len(rs[1].Suppressions) != 1 || rs[1].Suppressions[0].Kind != "inSource" ||
		rs[1].Suppressions[0].Status != "accepted" || rs[1].Suppressions[0].Justification != "we use mobplan" {
		t.Errorf("results: %s", b.String())
	}
}
