package cli

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
)

// TestSecretsInNoFile: apply and a saved plan of examples/contoso, whose
// users' lab_password comes from a sensitive variable, hold the password
// in no file they write (artifacts, manifest, plan.json, the saved plan,
// the key store), and the input digest they record is the same for any
// password, so it cannot be used to guess it.
func TestSecretsInNoFile(t *testing.T) {
	const secret = "Zq9-not-a-real-password"
	digests := map[string]string{}
	for _, pw := range []string{secret, "another password"} {
		root := t.TempDir()
		topo := filepath.Join(root, "contoso")
		testtool.CopyTopology(t, filepath.Join(examplesDir, "contoso"), topo)
		run := func(args ...string) string {
			t.Helper()
			var stdout, stderr bytes.Buffer
			if code := Main(args, Env{Stdout: &stdout, Stderr: &stderr}); code != ExitOK && code != ExitChanges {
				t.Fatalf("%v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
			}
			return stdout.String() + stderr.String()
		}
		out := run("apply", "--var", "lab_password="+pw, topo)
		out += run("plan", "--var", "lab_password="+pw, "--out", filepath.Join(root, "saved.json"), topo)
		out += run("plan", "--var", "lab_password="+pw, "--format", "json", topo)
		out += run("validate", "--var", "lab_password="+pw, "--format", "sarif", topo)
		if strings.Contains(out, pw) {
			t.Fatalf("the password is printed:\n%s", out)
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if p == filepath.Join(topo, ".mobplan", "lab-passwords.json") {
				// The one place lab passwords live: the state folder,
				// 0600, for the lab runtime; never the artifacts.
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v", p, err)
				}
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte(pw)) {
				t.Errorf("%s holds the password", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			InputDigest string `json:"input_digest"`
		}
		b, err := os.ReadFile(filepath.Join(topo, "artifacts", "manifest.json"))
		if err != nil || json.Unmarshal(b, &m) != nil || m.InputDigest == "" {
			t.Fatalf("manifest: %v %s", err, b)
		}
		digests[pw] = m.InputDigest
	}
	if digests[secret] != digests["another password"] {
		t.Errorf("the input digest depends on the password: %v", digests)
	}
}
