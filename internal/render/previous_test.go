package render

import (
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
)

// A plan is taken as unchanged only when its plan.json is the previous
// one byte for byte; then pipeline skips the comparison of the plans.
func TestPreviousUnchanged(t *testing.T) {
	set, err := artifacts.NewSet([]artifacts.File{{Path: PlanFile, Data: []byte("{\"a\": 1}\n")}}, artifacts.Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prev *Previous
		want bool
	}{
		{&Previous{JSON: []byte("{\"a\": 1}\n")}, true},
		{&Previous{JSON: []byte("{\"a\": 2}\n")}, false},
		{&Previous{JSON: []byte("{\"a\": 1}")}, false},
		{&Previous{}, false},
		{nil, false},
	} {
		if got := c.prev.Unchanged(set); got != c.want {
			t.Errorf("previous %+v: unchanged %v, want %v", c.prev, got, c.want)
		}
	}
	if ReadPrevious(t.TempDir()).Plan != nil || ReadPrevious("").JSON != nil {
		t.Error("a plan read from nowhere")
	}
}
