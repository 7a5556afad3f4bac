package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
)

// A plan the cache vouches for prints, in every format, exactly what
// the full plan printed, and exits the same.
func TestPlanCacheSameOutput(t *testing.T) {
	for _, name := range testtool.ValidExamples(t) {
		if name == "custom-generators" {
			continue // never cached: TestPlanCacheOnlyForReports
		}
		t.Run(name, func(t *testing.T) {
			root := testtool.CopyExample(t, name)
			keys := name
			if _, err := os.Stat(filepath.Join(testtool.ExampleDir(".."), "internal", "render", "testdata", "keys", name)); err != nil {
				keys = "contoso" // the CUE and Jsonnet forms of contoso
			}
			testtool.AddTestKeys(t, root, keys)
			run := func(env []string, args ...string) (int, string) {
				var out, errs bytes.Buffer
				code := Main(args, Env{Stdout: &out, Stderr: &errs, Environ: env})
				if code == ExitError {
					t.Fatalf("%v: %s", args, errs.String())
				}
				return code, out.String()
			}
			run(nil, "apply", root)
			cache := t.TempDir()
			// The first plan with the cache records; every later one
			// reuses, which it shows by leaving the record as it is (a
			// full plan writes it anew).
			var record os.FileInfo
			for _, format := range []string{"text", "json", "markdown", "csv"} {
				args := []string{"plan", root, "--format", format, "--detailed-exitcode"}
				wantCode, want := run([]string{"MOBPLAN_CACHE_DIR=off"}, args...)
				for i := range 2 {
					code, got := run([]string{"MOBPLAN_CACHE_DIR=" + cache}, args...)
					if code != wantCode || got != want {
						t.Errorf("%s, run %d: exit %d, want %d\n%s\nwant\n%s", format, i+1, code, wantCode, got, want)
					}
					records, _ := filepath.Glob(filepath.Join(cache, "plans", "*"))
					if len(records) != 1 {
						t.Fatalf("records: %v", records)
					}
					fi, err := os.Stat(records[0])
					if err != nil {
						t.Fatal(err)
					}
					if record == nil {
						record = fi
					} else if !os.SameFile(record, fi) {
						t.Errorf("%s, run %d rendered again: the record was written anew", format, i+1)
					}
				}
			}
		})
	}
}

func TestCacheDir(t *testing.T) {
	home := filepath.Join(string(filepath.Separator)+"home", "u")
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"MOBPLAN_CACHE_DIR=off", "HOME=" + home}, ""},
		{[]string{"MOBPLAN_CACHE_DIR=/c"}, "/c"},
		{nil, ""}, // a run with no home keeps nothing
	}
	switch runtime.GOOS {
	case "windows":
		cases = append(cases, struct {
			env  []string
			want string
		}{[]string{`LocalAppData=C:\Users\u\AppData\Local`}, `C:\Users\u\AppData\Local\mobplan`})
	case "darwin", "ios":
		cases = append(cases, struct {
			env  []string
			want string
		}{[]string{"HOME=" + home}, filepath.Join(home, "Library", "Caches", "mobplan")})
	default:
		cases = append(cases, []struct {
			env  []string
			want string
		}{
			{[]string{"HOME=" + home}, filepath.Join(home, ".cache", "mobplan")},
			{[]string{"HOME=" + home, "XDG_CACHE_HOME=/x"}, "/x/mobplan"},
			{[]string{"HOME=" + home, "XDG_CACHE_HOME=relative"}, filepath.Join(home, ".cache", "mobplan")},
		}...)
	}
	for _, c := range cases {
		if got := cacheDir(Env{Environ: c.env}); got != c.want {
			t.Errorf("%v: %q, want %q", c.env, got, c.want)
		}
	}
}
