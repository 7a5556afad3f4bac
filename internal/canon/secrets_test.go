package canon

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
)

func TestRedacted(t *testing.T) {
	d := NewDocument("hcl", ".")
	d.Value = map[string]any{
		"users": map[string]any{"a@x": map[string]any{"lab_password": "pw1", "pool": "p"}},
		"sites": map[string]any{"HQ": map[string]any{"description": "s3cret", "tags": []any{"t"}}},
	}
	d.MarkSensitive(Path{"sites", "HQ", "description"})
	got, _ := json.Marshal(d.Redacted(d.Value))
	want := `{"sites":{"HQ":{"description":"(sensitive)","tags":["t"]}},"users":{"a@x":{"lab_password":"(sensitive)","pool":"p"}}}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if d.Value["users"].(map[string]any)["a@x"].(map[string]any)["lab_password"] != "pw1" {
		t.Error("the value itself was changed")
	}
	if s := d.Secrets(); strings.Join(s, ",") != "s3cret,pw1" {
		t.Errorf("secrets %q", s)
	}
}

func TestRedactDiagnostics(t *testing.T) {
	secret := `a"b\c`
	ds := diag.Diagnostics{{Summary: "x " + secret, Detail: "quoted " + strconv.Quote(secret), Hint: secret + secret}}
	RedactDiagnostics(ds, []string{secret, ""})
	for _, s := range []string{ds[0].Summary, ds[0].Detail, ds[0].Hint} {
		if strings.Contains(s, "a\"b") || strings.Contains(s, `a\"b`) || !strings.Contains(s, SensitiveMarker) {
			t.Errorf("%q", s)
		}
	}
	src := map[string][]byte{"f": []byte("pw = \"hunter2\" # hunter2\n"), "g": []byte("none\n")}
	out := RedactSources(src, []string{"hunter2"})
	if string(out["f"]) != "pw = \"*******\" # *******\n" || string(out["g"]) != "none\n" || string(src["f"]) == string(out["f"]) {
		t.Errorf("%q %q", out["f"], out["g"])
	}
}
