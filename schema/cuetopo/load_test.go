package cuetopo

import (
	"encoding/json"
	"testing"

	"github.com/mobplan/mobplan/schema/hcltopo"
)

// TestContosoTwin: the CUE twin of examples/contoso reads to the same
// canonical value as the HCL original.
func TestContosoTwin(t *testing.T) {
	doc, ds := Load("../../examples/contoso-cue")
	if len(ds) > 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	hdoc, hds := hcltopo.Load("../../examples/contoso", hcltopo.Options{})
	if hds.HasErrors() {
		t.Fatal(hds)
	}
	got, _ := json.MarshalIndent(doc.Value, "", " ")
	want, _ := json.MarshalIndent(hdoc.Value, "", " ")
	if string(got) != string(want) {
		t.Errorf("CUE twin differs from the HCL original:\n%s\nwant\n%s", got, want)
	}
}
