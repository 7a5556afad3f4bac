// Package testtool finds the external tools tests check artifacts with
// (named-checkzone, nginx, haproxy, openssl). Locally a missing tool skips
// the test; with MOBPLAN_REQUIRE_TOOLS=1 (set by CI) it fails it.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of tool, or skips (fails in CI) the test.
func Require(t testing.TB, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		if p, err := exec.LookPath(dir + "/" + tool); err == nil {
			return p
		}
	}
	if os.Getenv("MOBPLAN_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is required (MOBPLAN_REQUIRE_TOOLS=1) but not installed", tool)
	}
	t.Skipf("%s not installed; skipping (CI sets MOBPLAN_REQUIRE_TOOLS=1 to require it)", tool)
	return ""
}
