package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
)

// withUsers copies an example and adds a users.hcl of n users made by
// user(i), so the users span several buckets of user_buckets.
func withUsers(t *testing.T, example string, n int, user func(i int) string) string {
	t.Helper()
	dir := t.TempDir()
	from := filepath.Join(examples, example)
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".hcl") {
			b, err := os.ReadFile(filepath.Join(from, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(user(i))
	}
	if err := os.WriteFile(filepath.Join(dir, "more-users.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func findings(t *testing.T, dir, rule string) diag.Diagnostics {
	t.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out diag.Diagnostics
	for _, d := range c.Diagnostics {
		if d.Rule == rule {
			out = append(out, d)
		}
	}
	return out
}

// The users reach the rules in buckets of a bounded width (rules.cue);
// what the rules say about all users at once (how many, the first) and
// where they point must not depend on how the users were split.
func TestUsersAcrossBuckets(t *testing.T) {
	const n = 700 // three buckets of 256
	t.Run("PORT-007 counts every SBA user", func(t *testing.T) {
		dir := withUsers(t, "invalid/PORT-007", n, func(i int) string {
			return fmt.Sprintf("user \"u%04d@contoso.com\" {\n  sba = \"branch\"\n}\n", n-i)
		})
		ds := findings(t, dir, "PORT-007")
		if len(ds) != 1 {
			t.Fatalf("PORT-007 findings: %v", ds)
		}
		// hugo and the 700 added (u0001 … u0700, in another bucket).
		if want := fmt.Sprintf("users hugo@contoso.com and %d more are homed on an SBA", n); !strings.Contains(ds[0].Detail, want) {
			t.Errorf("detail %q, want %q", ds[0].Detail, want)
		}
	})
	t.Run("POL-004 names the users of a policy across buckets", func(t *testing.T) {
		dir := withUsers(t, "contoso", n, func(i int) string {
			// Reverse order, so source order is not SIP order.
			return fmt.Sprintf("user \"zz%04d@contoso.com\" {\n  pool = \"pool01\"\n  click_to_join = true\n  voice_policy = \"NoRoute\"\n}\n", n-i)
		})
		policy := "\nvoice_policy \"NoRoute\" {\n  allow_simul_ring = true\n  pstn_usages = []\n}\n"
		f, err := os.OpenFile(filepath.Join(dir, "more-users.hcl"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(policy); err != nil {
			t.Fatal(err)
		}
		f.Close()
		ds := findings(t, dir, "POL-004")
		if len(ds) != 1 {
			t.Fatalf("POL-004 findings: %v", ds)
		}
		if want := fmt.Sprintf("effective for Click to Join users zz0001@contoso.com and %d more,", n-1); !strings.Contains(ds[0].Detail, want) {
			t.Errorf("detail %q, want %q", ds[0].Detail, want)
		}
	})
	t.Run("findings in the last bucket point at the user", func(t *testing.T) {
		dir := withUsers(t, "contoso", n, func(i int) string {
			if i == n-1 {
				return "user \"zzz@contoso.com\" {\n  pool = \"nowhere\"\n}\n"
			}
			return fmt.Sprintf("user \"m%04d@contoso.com\" {\n  pool = \"pool01\"\n}\n", i)
		})
		ds := findings(t, dir, "SCHEMA-002")
		if len(ds) != 1 || ds[0].Range == nil {
			t.Fatalf("SCHEMA-002 findings: %v", ds)
		}
		if r := ds[0].Range; filepath.Base(r.Filename) != "more-users.hcl" || r.Start.Line != 3*(n-1)+2 {
			t.Errorf("at %s:%d, want more-users.hcl:%d", r.Filename, r.Start.Line, 3*(n-1)+2)
		}
	})
	t.Run("a wrong type in a user of a later bucket", func(t *testing.T) {
		dir := withUsers(t, "contoso", n, func(i int) string {
			if i == 600 {
				return "user \"m0600@contoso.com\" {\n  pool = \"pool01\"\n  enterprise_voice = \"yes\"\n}\n"
			}
			return fmt.Sprintf("user \"m%04d@contoso.com\" {\n  pool = \"pool01\"\n}\n", i)
		})
		ds := findings(t, dir, "SCHEMA-001")
		if len(ds) != 1 || ds[0].Range == nil {
			t.Fatalf("SCHEMA-001 findings: %v", ds)
		}
		if r := ds[0].Range; r.Start.Line != 3*600+3 || !strings.Contains(ds[0].Detail, `users["m0600@contoso.com"].enterprise_voice must be true or false`) {
			t.Errorf("%s at line %d, want line %d", ds[0], r.Start.Line, 3*600+3)
		}
	})
}

// TestUserWrongTypes: a wrong type in any attribute of a user is
// reported in the document's terms, whichever operand order CUE gives.
func TestUserWrongTypes(t *testing.T) {
	for attr, c := range map[string]struct{ value, want string }{
		"pool":             {"5", "must be a string, not a number"},
		"upn":              {"true", "must be a string, not true or false"},
		"mobility_policy":  {"[\"a\"]", "must be a string, not a list"},
		"voice_policy":     {"1.5", "must be a string, not a number"},
		"lab_password":     {"7", "must be a string, not a number"},
		"enterprise_voice": {"\"yes\"", "must be true or false, not a string"},
		"click_to_join":    {"1", "must be true or false, not a number"},
	} {
		t.Run(attr, func(t *testing.T) {
			dir := withUsers(t, "contoso", 1, func(int) string {
				extra := "  pool = \"pool01\"\n"
				if attr == "pool" {
					extra = ""
				}
				return "user \"zed@contoso.com\" {\n" + extra + "  " + attr + " = " + c.value + "\n}\n"
			})
			ds := findings(t, dir, "SCHEMA-001")
			if len(ds) != 1 || !strings.Contains(ds[0].Detail, c.want) {
				t.Errorf("%v, want one finding saying %q", ds, c.want)
			}
		})
	}
}
