package savedplan_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/savedplan"
	"github.com/mobplan/mobplan/internal/testtool"
)

// contoso copies the contoso topology and its lab test keys into a
// fresh folder and returns the folder.
func contoso(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	topo := filepath.Join(root, "topo")
	testtool.CopyTopology(t, testtool.ExampleDir("contoso"), topo)
	testtool.AddTestKeys(t, topo, "contoso")
	return root
}

func run(t *testing.T, topology string) *pipeline.Result {
	t.Helper()
	r, err := pipeline.Run(topology, pipeline.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// save plans topo from the current folder and saves the plan as file.
func save(t *testing.T, file, topo string) *pipeline.Result {
	t.Helper()
	r := run(t, topo)
	sp, err := savedplan.New(file, topo, "test", r)
	if err != nil {
		t.Fatal(err)
	}
	if err := savedplan.Write(file, sp); err != nil {
		t.Fatal(err)
	}
	return r
}

func read(t *testing.T, file string) *savedplan.Plan {
	t.Helper()
	sp, err := savedplan.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// A saved plan is current right after it is made, also when read from
// another folder: its paths are relative to the plan file.
func TestCurrentFromAnotherFolder(t *testing.T) {
	root := contoso(t)
	t.Chdir(root)
	save(t, "saved.plan", "topo")
	if err := os.Mkdir("elsewhere", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "elsewhere"))
	file := filepath.Join("..", "saved.plan")
	sp := read(t, file)
	if sp.Topology != "topo" || sp.ArtifactsDir != "topo/artifacts" {
		t.Errorf("paths not stored relative to the plan file: %q, %q", sp.Topology, sp.ArtifactsDir)
	}
	r, err := pipeline.Run(sp.TopologyPath(file), pipeline.Options{ToolVersion: "test"})
	if why := sp.Stale(file, "test", r, err); len(why) > 0 {
		t.Errorf("stale from another folder: %v", why)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "PRIVATE KEY") || strings.Contains(string(b), `"data"`) {
		t.Error("the saved plan holds file contents")
	}
}

// Every edit of what a plan binds to makes it stale; the plan never
// decides a folder or a file's bytes.
func TestTamperedPlanIsStale(t *testing.T) {
	root := contoso(t)
	t.Chdir(root)
	save(t, "saved.plan", "topo")
	for _, c := range []struct {
		name, want string
		edit       func(sp *savedplan.Plan)
	}{
		{"file digest", "renders now differs from the plan: [proxy/nginx.conf]", func(sp *savedplan.Plan) {
			sp.Files["proxy/nginx.conf"] = artifacts.Digest([]byte("user root;"))
		}},
		{"extra file", "renders now differs from the plan: [../../etc/cron.d/x]", func(sp *savedplan.Plan) {
			sp.Files["../../etc/cron.d/x"] = artifacts.Digest([]byte("* * * * * root sh"))
		}},
		{"artifacts folder", "it was made for the artifacts in", func(sp *savedplan.Plan) { sp.ArtifactsDir = "/etc" }},
		{"input digest", "the topology at topo changed", func(sp *savedplan.Plan) { sp.InputDigest = "0" }},
		{"tool version", "it was made by mobplan other", func(sp *savedplan.Plan) { sp.ToolVersion = "other" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp := read(t, "saved.plan")
			c.edit(sp)
			r, err := pipeline.Run(sp.TopologyPath("saved.plan"), pipeline.Options{ToolVersion: "test"})
			why := strings.Join(sp.Stale("saved.plan", "test", r, err), "\n")
			if !strings.Contains(why, c.want) {
				t.Errorf("stale reasons %q do not say %q", why, c.want)
			}
		})
	}
}

func TestReadRefusesWhatIsNotAPlan(t *testing.T) {
	root := contoso(t)
	t.Chdir(root)
	save(t, "saved.plan", "topo")
	good, err := os.ReadFile("saved.plan")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) string {
		if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	for _, c := range []struct {
		name, file string
		notPlan    bool
		want       string
	}{
		{"a folder", "topo", true, ""},
		{"a topology file", "topo/deployment.hcl", true, ""},
		{"a JSON topology", write("topology.json", `{"version": "sfb2019", "sip_domains": ["contoso.com"]}`), true, ""},
		{"missing", "nothing.plan", true, ""},
		{"truncated", write("truncated.plan", string(good[:len(good)/2])), false, "not valid JSON"},
		{"other format", write("v1.plan", strings.Replace(string(good), `"format_version": "2"`, `"format_version": "1"`, 1)), false, `format "1"`},
		{"unknown field", write("field.plan", strings.Replace(string(good), `"kind"`, `"mode": 2541, "kind"`, 1)), false, `unknown field "mode"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := savedplan.Read(c.file)
			var ce *savedplan.CorruptError
			switch {
			case c.notPlan && !errors.Is(err, savedplan.ErrNotPlan):
				t.Errorf("got %v, want ErrNotPlan", err)
			case !c.notPlan && (!errors.As(err, &ce) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want a corrupt-plan error saying %q", err, c.want)
			}
		})
	}
	var sp map[string]any
	if err := json.Unmarshal(good, &sp); err != nil || sp["kind"] != savedplan.Kind {
		t.Fatalf("the plan file is not JSON of its kind: %v", err)
	}
}

// A plan whose CSR needs a new key records it as pending; apply, which
// makes the key, still finds the plan current (the request is bound by
// the .cnf and .inf beside it), and a changed request does not pass.
func TestPendingKeyPlanStaysCurrentForApply(t *testing.T) {
	root := contoso(t)
	t.Chdir(root)
	if err := os.WriteFile(filepath.Join("topo", "pki.hcl"), []byte("pki {\n  key_bits = 4096\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	save(t, "saved.plan", "topo")
	sp := read(t, "saved.plan")
	pending := 0
	for _, d := range sp.Files {
		if strings.HasPrefix(d, "pending:") {
			pending++
		}
	}
	if pending == 0 {
		t.Fatal("no CSR is pending after a key-size change")
	}
	r, err := pipeline.Run("topo", pipeline.Options{ToolVersion: "test", MakeKeys: true})
	if why := sp.Stale("saved.plan", "test", r, err); len(why) > 0 {
		t.Errorf("apply finds the plan stale: %v", why)
	}
	if len(r.Keys.Made()) != pending {
		t.Errorf("apply made %d keys for %d pending CSRs", len(r.Keys.Made()), pending)
	}
	for p, d := range sp.Files {
		if strings.HasSuffix(p, ".cnf") {
			// Another last digit (a digest ending in "0" made this edit
			// nothing, one time in sixteen).
			last := "0"
			if strings.HasSuffix(d, "0") {
				last = "1"
			}
			sp.Files[p] = d[:len(d)-1] + last
			break
		}
	}
	if why := sp.Stale("saved.plan", "test", r, err); len(why) == 0 {
		t.Error("a changed request template passes")
	}
}
