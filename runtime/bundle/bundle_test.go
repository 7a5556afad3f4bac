package bundle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool/applytest"
)

// applied applies the contoso example into a fresh folder and returns
// the bundle options for it.
func applied(t *testing.T) Options {
	t.Helper()
	root := applytest.Example(t, "contoso")
	return Options{ArtifactsDir: filepath.Join(root, "artifacts"), StateDir: filepath.Join(root, ".mobplan")}
}

func TestReadApplied(t *testing.T) {
	o := applied(t)
	b, err := Read(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Zones["internal"]) == 0 || len(b.Zones["external"]) == 0 {
		t.Errorf("zones: %d internal, %d external", len(b.Zones["internal"]), len(b.Zones["external"]))
	}
	for name := range b.Requests {
		if len(b.Keys[name]) == 0 {
			t.Errorf("no key for %s", name)
		}
	}
	if b.Passwords["alice@contoso.com"] == "" {
		t.Error("lab passwords not read from the state folder")
	}
	if len(b.PlanDigest) != 64 || b.Plan == nil || len(b.Plan.Directory.Users) == 0 {
		t.Errorf("plan digest %q, plan %v", b.PlanDigest, b.Plan != nil)
	}
}

// What apply did not write is refused, naming the file.
func TestReadRefusesTampering(t *testing.T) {
	for _, c := range []struct {
		name, want string
		edit       func(t *testing.T, o Options)
	}{
		{"edited zone", "are not what apply wrote (dns/external/contoso.com.zone)", func(t *testing.T, o Options) {
			f := filepath.Join(o.ArtifactsDir, "dns", "external", "contoso.com.zone")
			b, _ := os.ReadFile(f)
			os.WriteFile(f, append(b, []byte("evil 60 IN A 203.0.113.66\n")...), 0o644)
		}},
		{"missing plan", "plan.json (missing)", func(t *testing.T, o Options) { os.Remove(filepath.Join(o.ArtifactsDir, "plan.json")) }},
		{"manifest leaving the folder", `"../secret"`, func(t *testing.T, o Options) {
			mf := filepath.Join(o.ArtifactsDir, "manifest.json")
			var m map[string]any
			b, _ := os.ReadFile(mf)
			json.Unmarshal(b, &m)
			m["files"].(map[string]any)["../secret"] = "00"
			b, _ = json.Marshal(m)
			os.WriteFile(mf, b, 0o644)
		}},
		{"linked zone", "symbolic link", func(t *testing.T, o Options) {
			f := filepath.Join(o.ArtifactsDir, "dns", "internal", "contoso.com.zone")
			os.Rename(f, f+".real")
			os.Symlink(f+".real", f)
		}},
		{"errors allowed", "--allow-errors", func(t *testing.T, o Options) {
			mf := filepath.Join(o.ArtifactsDir, "manifest.json")
			var m map[string]any
			b, _ := os.ReadFile(mf)
			json.Unmarshal(b, &m)
			m["allow_errors"] = true
			b, _ = json.Marshal(m)
			os.WriteFile(mf, b, 0o644)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := applied(t)
			c.edit(t, o)
			_, err := Read(o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error naming %s", err, c.want)
			}
		})
	}
	o := applied(t)
	os.Remove(filepath.Join(o.StateDir, "keys", "rp-listener.key"))
	if _, err := Read(o); err == nil || !strings.Contains(err.Error(), "rp-listener") {
		t.Errorf("missing key: %v", err)
	}
	if _, err := Read(Options{ArtifactsDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "run 'mobplan apply' first") {
		t.Errorf("empty folder: %v", err)
	}
}
