package loader_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
)

const password = "Zq9-not-a-real-password"

// TestInputDigestWithoutSecrets: the input digest, in every manifest and
// saved plan, is computed with the lab passwords replaced: the same for
// any password (so it is no guessing oracle), different when anything
// else changes. Before, it was a plain sha256 over a value holding them.
func TestInputDigestWithoutSecrets(t *testing.T) {
	digest := func(vars ...string) string {
		t.Helper()
		c, err := loader.Load(filepath.Join(examples, "contoso"), loader.Options{Vars: vars})
		if err != nil || c.Diagnostics.HasErrors() {
			t.Fatal(err, c.Diagnostics)
		}
		return c.InputDigest()
	}
	a, b := digest("lab_password="+password), digest("lab_password=another one")
	if a != b {
		t.Errorf("the digest depends on the password: %s, %s", a, b)
	}
	if a != digest() {
		t.Errorf("the digest depends on the password: the default gives another")
	}
	// The JSON form holds contoso's default password literally.
	dir, _ := validTopology(t, "json")
	c, err := loader.Load(dir, loader.Options{})
	if err != nil || c.Diagnostics.HasErrors() {
		t.Fatal(err, c.Diagnostics)
	}
	if c.InputDigest() != a {
		t.Errorf("JSON and HCL digests differ")
	}
}

// TestInputDigestFollowsTopology: the digest still moves with everything
// that is not secret.
func TestInputDigestFollowsTopology(t *testing.T) {
	dir, _ := validTopology(t, "json")
	c, _ := loader.Load(dir, loader.Options{})
	before := c.InputDigest()
	src, _ := os.ReadFile(filepath.Join(dir, "topology.json"))
	os.WriteFile(filepath.Join(dir, "topology.json"), []byte(strings.Replace(string(src), "contoso.net", "contoso.org", 1)), 0o644)
	c, _ = loader.Load(dir, loader.Options{})
	if c.InputDigest() == before {
		t.Error("the digest does not follow the topology")
	}
}

// TestSecretsNotInDiagnostics: a diagnostic whose snippet is a line that
// holds a lab_password shows it masked, in every syntax's loader.
func TestSecretsNotInDiagnostics(t *testing.T) {
	dir := t.TempDir()
	src := `{"version": "sfb2019", "users": {"a@contoso.com": {"lab_password": "` + password + `", "lab_password": "` + password + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "t.json"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c := loadWithin(t, dir, loader.Options{})
	if !c.Diagnostics.HasErrors() {
		t.Fatal("want the duplicate key reported")
	}
	if out := rendered(t, c); strings.Contains(out, password) || !strings.Contains(out, "*****") {
		t.Fatalf("the password is shown, or the line is not:\n%s", out)
	}
}
