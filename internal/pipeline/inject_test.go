package pipeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/testtool"
)

// A name the schema lets through because DNS-011 judges it (here an
// internationalized external web FQDN, and a label starting with a
// hyphen) is still refused by the generators' encoders when the user
// asks to render despite rule errors: a generator error naming the
// value, not a file holding it.
func TestAllowErrorsStillEncodes(t *testing.T) {
	for _, fqdn := range []string{"wéb.contoso.com", "-web.contoso.com"} {
		b, err := os.ReadFile(filepath.Join(testtool.ExampleDir("invalid/_base"), "topology.hcl"))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		src := strings.Replace(string(b), `fqdn = "web.contoso.com"`, `fqdn = "`+fqdn+`"`, 1)
		if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = pipeline.Run(dir, pipeline.Options{ToolVersion: "test"})
		var p *pipeline.Problems
		if !errors.As(err, &p) || p.Diagnostics[0].Rule != "DNS-011" {
			t.Fatalf("%s: %v, want DNS-011", fqdn, err)
		}
		r, err := pipeline.Run(dir, pipeline.Options{ToolVersion: "test", AllowErrors: true})
		if err == nil || errors.As(err, &p) || !strings.Contains(err.Error(), "is not a DNS name") {
			t.Fatalf("%s with AllowErrors: %v, %v; want a generator error refusing the name", fqdn, r, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "artifacts")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: something was written: %v", fqdn, err)
		}
	}
}
