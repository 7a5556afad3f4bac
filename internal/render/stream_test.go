package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

type marshals struct{ A int }

func (marshals) MarshalJSON() ([]byte, error) { return []byte(`"own"`), nil }

type names []string

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
	}
	type stringly struct {
		N int `json:"n,string"`
	}
	for _, v := range []any{
		&streamed{},
		&streamed{Name: "a", Empty: []string{}, List: []inner{{X: []string{"1", "2"}}, {}}, Bytes: []byte("xyz"), Own: []marshals{{1}}, Names: names{"a"},
			Map: map[string]string{"b": "c"}, Skipped: "no", Untaged: "u", HTML: []string{"<a&b>", "\u2028"}},
		&stringly{N: 3},
		&struct{}{},
		&plan.Plan{SIPDomains: []string{"contoso.com"}, Zones: []plan.Zone{{Name: "contoso.com"}}, Findings: []plan.Finding{{}}},
		[]string{"not", "a", "struct"},
		(*streamed)(nil),
	} {
		want, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want)+"\n" {
			t.Errorf("%T:\n%s\nwant\n%s", v, got.String(), want)
		}
	}
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(b []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(b), nil
}

// The first write error is the encoding's.
func TestWriteJSONStopsAtTheFirstError(t *testing.T) {
	p := &plan.Plan{Zones: []plan.Zone{{Name: "a"}, {Name: "b"}}}
	for after := 0; after < 8; after++ {
		if err := writeJSON(&failingWriter{after: after}, p); err == nil || err.Error() != "disk full" {
			t.Errorf("failing after %d writes: %v", after, err)
		}
	}
}
