package schema

import (
	"os"
	"strings"
	"testing"
)

// TestBridgingNamesPoolsByName: when a rule's target reaches two pools,
// RP-001 names them, and takes the first one's port, in the order of
// their names, not in the order CUE happened to gather them
// (examples/invalid/RP-001-two-pools).
func TestBridgingNamesPoolsByName(t *testing.T) {
	src, err := os.ReadFile("../examples/invalid/RP-001-two-pools/topology.hcl")
	if err != nil {
		t.Fatal(err)
	}
	_, res := checkHCL(t, string(src))
	const want = "it must bridge to 4444, the external HTTPS port of ab01, se01."
	for _, d := range res.Diagnostics {
		if d.Rule == "RP-001" && strings.Contains(d.Detail, "bridges HTTPS") {
			if !strings.Contains(d.Detail, want) {
				t.Errorf("RP-001 says %q, want it to end %q", d.Detail, want)
			}
			return
		}
	}
	t.Fatalf("no RP-001 on the bridging: %v", res.Diagnostics)
}
