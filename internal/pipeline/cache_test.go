package pipeline_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/plancache"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
)

// cachedPlan plans root as `mobplan plan` does with the cache in dir.
func cachedPlan(t *testing.T, root, dir string) *pipeline.Result {
	t.Helper()
	r, err := pipeline.Run(root, pipeline.Options{ToolVersion: "test", Cache: plancache.Cache{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func changed(r *pipeline.Result) []string {
	var out []string
	for _, c := range artifacts.Pending(r.Changes) {
		out = append(out, c.Path)
	}
	return out
}

// A plan that found nothing to change lets the next one over the same
// inputs skip rendering, with the same answer; any change to what a
// rendering reads (an artifact, the manifest, a key, the topology) or
// an apply at work sends the next plan through the full path, which
// then sees the change.
func TestPlanCache(t *testing.T) {
	root := applytest.Example(t, "contoso")
	cache := t.TempDir()
	full := cachedPlan(t, root, cache)
	if full.Reused || len(changed(full)) != 0 {
		t.Fatalf("first plan after apply: reused %v, changes %v", full.Reused, changed(full))
	}
	again := cachedPlan(t, root, cache)
	if !again.Reused {
		t.Fatal("the second plan rendered again")
	}
	if again.Plan != nil || again.Set != nil || len(again.Changes) != len(full.Changes) || len(again.Warnings()) != len(full.Warnings()) {
		t.Errorf("reused result: %d changes, %d warnings; full: %d, %d", len(again.Changes), len(again.Warnings()), len(full.Changes), len(full.Warnings()))
	}
	for i, c := range again.Changes {
		if c.Path != full.Changes[i].Path || c.Action != artifacts.Unchanged {
			t.Fatalf("change %d: %+v, full plan had %s", i, c, full.Changes[i].Path)
		}
	}
	if r := cachedPlan(t, root, t.TempDir()); r.Reused {
		t.Error("another cache folder vouched for the artifacts")
	}

	art := filepath.Join(root, "artifacts")
	// each step changes something, plans (which must not reuse and must
	// see the change), then puts it back and plans until reuse resumes.
	steps := []struct {
		name   string
		change func(t *testing.T) (undo func())
		want   []string // files the plan reports, nil for none
	}{
		{"an artifact edited by hand", func(t *testing.T) func() {
			return edit(t, filepath.Join(art, "dns", "external", "contoso.com.zone"), func(b []byte) []byte { return append(b, "; edited\n"...) })
		}, []string{"dns/external/contoso.com.zone"}},
		{"an artifact removed", func(t *testing.T) func() {
			return edit(t, filepath.Join(art, "REPORT.md"), nil)
		}, []string{"REPORT.md"}},
		{"the manifest rewritten", func(t *testing.T) func() {
			return edit(t, filepath.Join(art, artifacts.ManifestName), func(b []byte) []byte { return append(b, '\n') })
		}, nil},
		{"a key replaced", func(t *testing.T) func() {
			keys, _ := filepath.Glob(filepath.Join(root, ".mobplan", "keys", "*.key"))
			slices.Sort(keys)
			other, err := os.ReadFile(keys[1])
			if err != nil {
				t.Fatal(err)
			}
			return edit(t, keys[0], func([]byte) []byte { return other })
		}, []string{"certs/" + strings.TrimSuffix(filepath.Base(firstKey(t, root)), ".key") + ".csr"}},
		{"the topology changed", func(t *testing.T) func() {
			return edit(t, filepath.Join(root, "users.hcl"), func(b []byte) []byte {
				return []byte(strings.Replace(string(b), "  click_to_join    = true\n", "", 1))
			})
		}, nil}, // many files; only "some" is checked below
		{"an apply's journal", func(t *testing.T) func() {
			// A journal that is not an apply's makes the full plan fail
			// with its own message; reuse must not hide it.
			return edit(t, filepath.Join(art, ".mobplan-journal.json"), func([]byte) []byte { return []byte("{}") })
		}, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			undo := s.change(t)
			r, err := pipeline.Run(root, pipeline.Options{ToolVersion: "test", Cache: plancache.Cache{Dir: cache}})
			switch {
			case s.name == "an apply's journal":
				if err == nil || !strings.Contains(err.Error(), "corrupt") {
					t.Errorf("plan with a broken journal: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case r.Reused:
				t.Error("reused")
			case s.name == "the topology changed":
				if len(changed(r)) == 0 {
					t.Error("no change seen")
				}
			case !slices.Equal(changed(r), s.want):
				t.Errorf("changes %v, want %v", changed(r), s.want)
			}
			undo()
			if r := cachedPlan(t, root, cache); len(changed(r)) != 0 {
				t.Fatalf("after putting it back: changes %v", changed(r))
			}
			if r := cachedPlan(t, root, cache); !r.Reused {
				t.Error("reuse did not resume once it was put back")
			}
		})
	}
}

// A saved plan and an apply always render: neither may be vouched for.
// Nor is a topology with custom generators, whose programs read files
// no key covers.
func TestPlanCacheOnlyForReports(t *testing.T) {
	root := applytest.Example(t, "contoso")
	cache := t.TempDir()
	cachedPlan(t, root, cache)
	for _, o := range []pipeline.Options{
		{ToolVersion: "test", Cache: plancache.Cache{Dir: cache}, MakeKeys: true},
		{ToolVersion: "test", Cache: plancache.Cache{Dir: cache}, Lock: true},
	} {
		r, err := pipeline.Run(root, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Lock != nil {
			r.Lock.Unlock()
		}
		if r.Reused || r.Set == nil {
			t.Errorf("%+v reused the cache", o)
		}
	}
	custom := t.TempDir()
	if err := os.CopyFS(custom, os.DirFS(testtool.ExampleDir("custom-generators"))); err != nil {
		t.Fatal(err)
	}
	applytest.Apply(t, custom, false)
	for range 2 {
		if r := cachedPlan(t, custom, cache); r.Reused {
			t.Error("a topology with custom generators reused the cache")
		}
	}
}

func firstKey(t *testing.T, root string) string {
	keys, _ := filepath.Glob(filepath.Join(root, ".mobplan", "keys", "*.key"))
	if len(keys) < 2 {
		t.Fatalf("keys: %v", keys)
	}
	slices.Sort(keys)
	return keys[0]
}

// edit rewrites path with f (removes it when f is nil) and returns what
// puts it back.
func edit(t *testing.T, path string, f func([]byte) []byte) func() {
	t.Helper()
	old, err := os.ReadFile(path)
	existed := err == nil
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if f == nil {
		err = os.Remove(path)
	} else {
		err = os.WriteFile(path, f(old), 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		if !existed {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := os.WriteFile(path, old, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// What the key holds beyond the files: the date (an acknowledgement that
// expires changes the findings and REPORT.md), the version, and the key
// store as the key store reads it (a link at its folder is refused by
// the full plan, and so must not be vouched for).
func TestPlanCacheFollowsDateVersionAndKeyStore(t *testing.T) {
	root := testtool.CopyExample(t, "contoso")
	testtool.AddTestKeys(t, root, "contoso")
	ack := "\nacknowledge \"VER-009\" {\n  reason  = \"We plan with mobplan's reports.\"\n  expires = \"2026-06-30\"\n}\n"
	f, err := os.OpenFile(filepath.Join(root, "deployment.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(ack); err != nil {
		t.Fatal(err)
	}
	f.Close()
	day := func(d string) func() time.Time {
		return func() time.Time { tm, _ := time.Parse(time.DateOnly, d); return tm }
	}
	cache := t.TempDir()
	opts := func(now func() time.Time, version string) pipeline.Options {
		return pipeline.Options{ToolVersion: version, Load: loader.Options{Now: now}, Cache: plancache.Cache{Dir: cache}}
	}
	apply := pipeline.Options{ToolVersion: "test", MakeKeys: true, Load: loader.Options{Now: day("2026-06-01")}}
	r, err := pipeline.Run(root, apply)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifacts.Apply(r.ArtifactsDir, r.Set, false); err != nil {
		t.Fatal(err)
	}
	run := func(o pipeline.Options) *pipeline.Result {
		t.Helper()
		r, err := pipeline.Run(root, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	june := opts(day("2026-06-01"), "test")
	run(june)
	if !run(june).Reused {
		t.Fatal("no reuse on the same day")
	}
	if r := run(opts(day("2026-07-01"), "test")); r.Reused || !slices.Contains(changed(r), "REPORT.md") {
		t.Errorf("after the acknowledgement expired: reused %v, changes %v", r.Reused, changed(r))
	}
	if r := run(opts(day("2026-06-01"), "test 2")); r.Reused {
		t.Error("another version reused the record")
	}
	run(june) // the record is the last version's: one per folder
	if !run(june).Reused {
		t.Fatal("no reuse once back")
	}
	// The key store moved behind a link: the full plan refuses it.
	state := filepath.Join(root, ".mobplan")
	moved := filepath.Join(t.TempDir(), "state")
	if err := os.Rename(state, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, state); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if r, err := pipeline.Run(root, june); err == nil {
		t.Errorf("a linked key store: reused %v, no error", r.Reused)
	}
}

// A plan takes no lock: an apply holding one does not stop it, and a
// plan never makes an apply find the folder locked.
func TestPlanCacheTakesNoLock(t *testing.T) {
	root := applytest.Example(t, "contoso")
	cache := t.TempDir()
	cachedPlan(t, root, cache)
	lock, err := artifacts.LockDir(filepath.Join(root, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if r := cachedPlan(t, root, cache); !r.Reused {
		t.Error("a held lock with no journal stopped reuse")
	}
	lock.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			if _, err := pipeline.Run(root, pipeline.Options{ToolVersion: "test", Cache: plancache.Cache{Dir: cache}}); err != nil {
				t.Error(err)
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		lock, err := artifacts.LockDir(filepath.Join(root, "artifacts"))
		if err != nil {
			t.Fatalf("an apply found the folder locked by a plan: %v", err)
		}
		lock.Unlock()
	}
}
