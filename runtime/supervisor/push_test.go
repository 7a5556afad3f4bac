package supervisor

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/mobplan/mobplan/runtime/ucwa"
)

// contoso plans push through its Edge: every pool's UCWA servers get a
// complete push path, and the admin endpoint's GET /push answers the
// running generation's records (none yet), also after a reload.
func TestPushPath(t *testing.T) {
	rt := start(t, applyExample(t, "contoso"))
	g := rt.gen.Load()
	if g.hub == nil {
		t.Fatal("the generation has no UCWA hub")
	}
	for _, p := range g.bundle.Plan.Directory.Pools {
		if got := ucwa.PushFromPlan(g.bundle.Plan, p.Name); got.Missing != "" || got.AccessEdge != "sip.contoso.com" || len(got.Services) != 2 {
			t.Errorf("pool %s: push %+v", p.Name, got)
		}
	}
	get := func() []ucwa.PushRecord {
		t.Helper()
		resp, err := http.Get("http://" + rt.Info().Admin + "/push")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var recs []ucwa.PushRecord
		if err := json.Unmarshal(b, &recs); err != nil || resp.StatusCode != http.StatusOK || recs == nil {
			t.Fatalf("GET /push: %d %v %s", resp.StatusCode, err, b)
		}
		return recs
	}
	if recs := get(); len(recs) != 0 {
		t.Errorf("records before any message: %+v", recs)
	}
	if err := rt.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rt.gen.Load().hub == g.hub {
		t.Error("the reload kept the old hub")
	}
	get()
}
