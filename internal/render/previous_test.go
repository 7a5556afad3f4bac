package render

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/planner/plan"
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
		{PreviousOf([]byte("{\"a\": 1}\n")), true},
		{PreviousOf([]byte("{\"a\": 2}\n")), false},
		{PreviousOf([]byte("{\"a\": 1}")), false},
		{&Previous{}, false},
		{nil, false},
	} {
		if got := c.prev.Unchanged(set); got != c.want {
			t.Errorf("previous %+v: unchanged %v, want %v", c.prev, got, c.want)
		}
	}
	if ReadPrevious(t.TempDir()).Plan() != nil || ReadPrevious("").Sum != "" {
		t.Error("a plan read from nowhere")
	}
}

// A generator asking for the previous plan gets this plan itself when
// plan.json would not change (nothing decoded), else the decoded one.
func TestPreviousPlanDecodedOnlyWhenChanged(t *testing.T) {
	p := &plan.Plan{}
	same, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	same = append(same, '\n')
	other := []byte("{\"zones\": [{\"name\": \"contoso.com\"}]}\n")
	for _, c := range []struct {
		name string
		prev []byte
		want func(got *plan.Plan) bool
	}{
		{"same bytes", same, func(got *plan.Plan) bool { return got == p }},
		{"another plan", other, func(got *plan.Plan) bool { return got != nil && got != p && len(got.Zones) == 1 }},
		{"none", nil, func(got *plan.Plan) bool { return got == nil }},
		{"not JSON", []byte("{"), func(got *plan.Plan) bool { return got == nil }},
	} {
		var got *plan.Plan
		probe := artifact.Generator{Name: "probe", Generate: func(ctx *artifact.Context) ([]artifact.File, error) {
			got = ctx.PreviousPlan()
			return nil, nil
		}}
		if _, err := Render(p, []artifact.Generator{probe}, Options{Previous: PreviousOf(c.prev)}); err != nil {
			t.Fatal(err)
		}
		if !c.want(got) {
			t.Errorf("%s: previous plan %+v", c.name, got)
		}
	}
}

// The previous plan is decoded only from the plan.json that was hashed:
// one rewritten since is not taken for it.
func TestPreviousPlanIsTheOneHashed(t *testing.T) {
	dir := t.TempDir()
	write := func(b []byte) {
		if err := os.WriteFile(filepath.Join(dir, PlanFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write([]byte("{\"zones\": [{\"name\": \"contoso.com\"}]}\n"))
	if p := ReadPrevious(dir).Plan(); p == nil || len(p.Zones) != 1 {
		t.Fatalf("previous plan %+v", p)
	}
	prev := ReadPrevious(dir)
	write([]byte("{\"zones\": []}\n"))
	if p := prev.Plan(); p != nil {
		t.Errorf("a plan.json rewritten after it was hashed was decoded: %+v", p)
	}
}
