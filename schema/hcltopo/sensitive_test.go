package hcltopo

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

const secret = "Zq9-not-a-real-password"

const sensitiveDecl = `
variable "pw" {
  type      = string
  sensitive = true
}
`

// rendered is the diagnostics as a user sees them, snippets included.
func rendered(t *testing.T, doc *canon.Document, ds diag.Diagnostics) string {
	t.Helper()
	var b bytes.Buffer
	if err := diag.WriteText(&b, ds, doc.Sources, false); err != nil {
		t.Fatal(err)
	}
	if err := diag.WriteJSON(&b, ds, doc.Sources); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSensitiveToSecretField: a sensitive variable may set a user's
// lab_password, directly, through a local or a function, and the paths
// it lands at are recorded sensitive.
func TestSensitiveToSecretField(t *testing.T) {
	doc, ds := load(t, map[string]string{"t.hcl": sensitiveDecl + `
locals {
  pw2 = format("%s!", var.pw)
}
user "a@contoso.com" {
  lab_password = var.pw
}
user "b@contoso.com" {
  lab_password = local.pw2
}
user "c@contoso.com" {
  lab_password = "plain"
}
`}, Options{Vars: []string{"pw=" + secret}})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	for _, u := range []string{"a@contoso.com", "b@contoso.com"} {
		if !doc.Sensitive[canon.Path{"users", u, "lab_password"}.Key()] {
			t.Errorf("%s's lab_password is not marked sensitive", u)
		}
	}
	if doc.Sensitive[canon.Path{"users", "c@contoso.com", "lab_password"}.Key()] {
		t.Error("a literal is marked sensitive")
	}
}

// TestSensitiveElsewhereRefused: a sensitive value anywhere but a secret
// field is an error at the expression, and its value appears in no
// diagnostic; references to a block carry the mark on.
func TestSensitiveElsewhereRefused(t *testing.T) {
	for name, body := range map[string]string{
		"attribute":   `ad_domain = var.pw`,
		"template":    `ad_domain = "x${var.pw}.contoso.net"`,
		"local":       "locals {\n  d = lower(var.pw)\n}\nad_domain = local.d",
		"list":        `sip_domains = ["contoso.com", var.pw]`,
		"block":       "site \"HQ\" {\n  description = var.pw\n}",
		"via a block": "user \"a@contoso.com\" {\n  lab_password = var.pw\n}\nad_domain = user[\"a@contoso.com\"].lab_password",
	} {
		t.Run(name, func(t *testing.T) {
			doc, ds := load(t, map[string]string{"t.hcl": sensitiveDecl + body + "\n"}, Options{Vars: []string{"pw=" + secret}})
			var found bool
			for _, d := range ds {
				found = found || d.Summary == "Sensitive value outside a secret field"
			}
			if !found {
				t.Fatalf("want the sensitive value refused, got %v", ds)
			}
			if out := rendered(t, doc, ds); strings.Contains(out, secret) {
				t.Fatalf("the value is shown:\n%s", out)
			}
		})
	}
}

// TestSensitiveNeverShown: diagnostics that would quote a sensitive
// value (a function's error, a --var that does not parse, a type
// conversion) do not.
func TestSensitiveNeverShown(t *testing.T) {
	cases := map[string]struct {
		src  string
		opts Options
	}{
		"function error": {sensitiveDecl + "locals {\n  n = parseint(var.pw, 10)\n}\n", Options{Vars: []string{"pw=" + secret}}},
		"environment":    {sensitiveDecl + "locals {\n  n = parseint(var.pw, 10)\n}\n", Options{Env: []string{"MOBPLAN_VAR_pw=" + secret}}},
		"bad expression": {"variable \"pw\" {\n  type      = list(string)\n  sensitive = true\n}\n", Options{Vars: []string{"pw=[\"" + secret + "\" " + secret + "]"}}},
		"bad bracket":    {"variable \"pw\" {\n  type      = list(string)\n  sensitive = true\n}\n", Options{Vars: []string{"pw=[`" + secret}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			doc, ds := load(t, map[string]string{"t.hcl": c.src}, c.opts)
			if !ds.HasErrors() {
				t.Fatal("want an error")
			}
			if out := rendered(t, doc, ds); strings.Contains(out, secret) || strings.Contains(out, "Zq9") {
				t.Fatalf("the value is shown:\n%s", out)
			}
		})
	}
	_, ds := load(t, map[string]string{"t.hcl": "variable \"pw\" {\n  sensitive = \"yes\"\n}\n"}, Options{Vars: []string{"pw=x"}})
	if len(ds) != 1 || ds[0].Summary != "Invalid sensitive" {
		t.Errorf("sensitive = \"yes\": %v", ds)
	}
}

// TestVarFileNotQuoted: a variables file that does not parse is reported
// by position only: no snippet, no quoted text, whatever the mistake.
func TestVarFileNotQuoted(t *testing.T) {
	for name, body := range map[string]string{
		"unterminated": "pw = \"" + secret + "\n",
		"bare words":   secret + " = 1\n",
		"block":        "pw " + secret + " {\n}\n",
		"escape":       "pw = \"\\" + secret[:1] + secret[1:] + "\"\n",
		"function":     "pw = " + strings.ReplaceAll(secret, "-", "_") + "(1)\n",
		"single line":  "pw { " + strings.ReplaceAll(secret, "-", "_") + " }\n",
	} {
		t.Run(name, func(t *testing.T) {
			vf := filepath.Join(t.TempDir(), "secrets.hcl")
			if err := os.WriteFile(vf, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			doc, ds := load(t, map[string]string{"t.hcl": sensitiveDecl}, Options{VarFiles: []string{vf}})
			if !ds.HasErrors() {
				t.Fatal("want an error")
			}
			out := rendered(t, doc, ds)
			if strings.Contains(out, "Zq9") || !strings.Contains(out, vf) {
				t.Fatalf("want the file named and its text not shown, got:\n%s", out)
			}
			if _, kept := doc.Sources[vf]; kept {
				t.Error("the variables file is kept for snippets")
			}
		})
	}
}
