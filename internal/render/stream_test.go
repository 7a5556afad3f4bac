package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

type marshals struct{ A int }

func (marshals) MarshalJSON() ([]byte, error) { return []byte(`"own"`), nil }

type byPointer struct{ A int }

func (*byPointer) MarshalJSON() ([]byte, error) { return []byte(`"by pointer"`), nil }

type text struct{ A int }

func (text) MarshalText() ([]byte, error) { return []byte("as text"), nil }

type names []string

// upper is a string with an encoding of its own.
type upper string

func (u upper) MarshalText() ([]byte, error) { return []byte("U:" + string(u)), nil }

func (names) MarshalJSON() ([]byte, error) { return []byte(`"names"`), nil }

// writeJSON lays out every value as json.MarshalIndent does, the
// streamed lists included.
func TestWriteJSONIsMarshalIndent(t *testing.T) {
	type inner struct {
		X []string `json:"x"`
	}
	type streamed struct {
		Name    string            `json:"name"`
		Empty   []string          `json:"empty"`
		Nil     []string          `json:"nil"`
		Omitted []string          `json:"omitted,omitempty"`
		Zero    int               `json:"zero,omitempty"`
		Flag    bool              `json:"flag"`
		List    []inner           `json:"list"`
		Bytes   []byte            `json:"bytes"`
		Own     []marshals        `json:"own"`
		Names   names             `json:"names"`
		Map     map[string]string `json:"map,omitempty"`
		Skipped string            `json:"-"`
		Untaged string
		HTML    []string `json:"html"`
		Strings []string `json:"strings"`
		Uppers  []upper  `json:"uppers"`
	}
	type stringly struct {
		N int `json:"n,string"`
	}
	type pointers struct {
		One   byPointer   `json:"one"`
		Many  []byPointer `json:"many"`
		Text  text        `json:"text"`
		Texts []text      `json:"texts"`
	}
	type nested struct {
		Top   string   `json:"top"`
		Inner streamed `json:"inner"`
		Ptr   *inner   `json:"ptr"`
		Float float64  `json:"float,omitempty"`
	}
	// two fields of one name, built at run time (vet refuses the tags
	// written out)
	twice := reflect.StructOf([]reflect.StructField{
		{Name: "X", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
		{Name: "Y", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
	})
	// a name encoding/json does not take as tagged (vet and staticcheck
	// refuse it written out)
	oddName := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "A", Type: reflect.TypeFor[int](), Tag: `json:"a b\""`}}))
	oddName.Elem().Field(0).SetInt(1)
	both := reflect.New(twice)
	both.Elem().Field(0).SetInt(1)
	both.Elem().Field(1).SetInt(2)
	for _, v := range []any{
		&streamed{},
		&streamed{Name: "a", Empty: []string{}, List: []inner{{X: []string{"1", "2"}}, {}}, Bytes: []byte("xyz"), Own: []marshals{{1}}, Names: names{"a"},
			Map: map[string]string{"b": "c"}, Skipped: "no", Untaged: "u", HTML: []string{"<a&b>", "\u2028"},
			Strings: []string{"", "plain.example", "a\"b", "a\\b", "\x00", "\x1f", "\x7f", "é", "\xff", "\u2029", "tab\t"}, Uppers: []upper{"a", "<"}},
		&nested{Inner: streamed{List: []inner{{X: []string{"a", "<"}}, {X: []string{}}}}},
		&stringly{N: 3},
		&pointers{Many: []byPointer{{1}, {2}}, Texts: []text{{1}}},
		&nested{Top: "t", Inner: streamed{List: []inner{{X: []string{"deep"}}}}, Ptr: &inner{}},
		&nested{},
		&text{},
		oddName.Interface(),
		both.Interface(),
		&struct{}{},
		&plan.Plan{SIPDomains: []string{"contoso.com"}, Zones: []plan.Zone{{Name: "contoso.com"}}, Findings: []plan.Finding{{}}},
		[]string{"not", "a", "struct"},
		(*streamed)(nil),
	} {
		if got, want := encodings(t, v); got != want {
			t.Errorf("%T:\n%s\nwant\n%s", v, got, want)
		}
	}
}

// encodings are v as writeJSON writes it and as MarshalIndent does,
// with writeJSON's final newline.
func encodings(t *testing.T, v any) (got, want string) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	return buf.String(), string(b) + "\n"
}

// Every example's plan is written as MarshalIndent writes it.
func TestWriteJSONOfExamplePlans(t *testing.T) {
	for _, name := range []string{"contoso", "multisite", "pki-options", "standard-edition", "tailspin"} {
		p := testtool.ExamplePlan(t, name)
		p.Findings = []plan.Finding{{}, {}}
		if got, want := encodings(t, p); got != want {
			t.Errorf("%s: plan.json differs from MarshalIndent's", name)
		}
	}
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(b []byte) (int, error) {
	if f.after <= 0 {
		f.after--
		return 0, errors.New("disk full")
	}
	f.after--
	return len(b), nil
}

// The first write error is the encoding's, and nothing is written
// after it.
func TestWriteJSONStopsAtTheFirstError(t *testing.T) {
	// Large enough to be written in several chunks.
	p := &plan.Plan{}
	for i := range 20000 {
		p.Zones = append(p.Zones, plan.Zone{Name: fmt.Sprintf("d%05d.example.com", i)})
	}
	for after := 0; after < 8; after++ {
		w := &failingWriter{after: after}
		if err := writeJSON(w, p); err == nil || err.Error() != "disk full" {
			t.Errorf("failing after %d writes: %v", after, err)
		}
		if w.after != -1 {
			t.Errorf("failing after %d writes: written %d more times after the error", after, -1-w.after)
		}
	}
}

// Any list of strings, in a struct or in the structs of a list, is
// written as MarshalIndent writes it.
func FuzzWriteJSONStrings(f *testing.F) {
	type inner struct {
		X []string `json:"x"`
	}
	type outer struct {
		S []string `json:"s"`
		L []inner  `json:"l"`
	}
	f.Add("plain", "a\"<b>&\\", "\xff\u2028\x7f\x01")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		v := &outer{S: []string{a, b, c}, L: []inner{{X: []string{c, a}}, {X: []string{b}}}}
		if got, want := encodings(t, v); got != want {
			t.Fatalf("%q:\n%s\nwant\n%s", []string{a, b, c}, got, want)
		}
	})
}

// BenchmarkWriteJSON encodes a plan shaped as at 10,000 SIP domains:
// 450 certificates listing every domain's names, a zone per domain.
func BenchmarkWriteJSON(b *testing.B) {
	p := &plan.Plan{}
	var sans []string
	for i := range 10000 {
		d := fmt.Sprintf("d%05d.example.com", i)
		p.SIPDomains = append(p.SIPDomains, d)
		p.Zones = append(p.Zones, plan.Zone{Name: d})
		sans = append(sans, "sip."+d, "lyncdiscover."+d)
	}
	for i := range 450 {
		p.Certificates = append(p.Certificates, plan.Certificate{Name: fmt.Sprintf("c%03d", i), Subject: "web.example.com", SANs: sans})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := writeJSON(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}
