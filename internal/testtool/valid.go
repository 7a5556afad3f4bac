package testtool

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
)

// ValidExamples lists the valid example topologies (examples/<name>,
// neither examples/invalid nor the generated examples/scale), sorted.
func ValidExamples(t testing.TB) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(ExampleDir(""), "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range dirs {
		name := filepath.Base(d)
		if st, err := os.Stat(d); err != nil || !st.IsDir() || name == "invalid" || name == "scale" {
			continue
		}
		if _, err := loader.Detect(d); err != nil {
			continue // not a topology
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		t.Fatal("no valid example found")
	}
	return out
}
