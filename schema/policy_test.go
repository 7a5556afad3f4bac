package schema_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
)

// policyFindings loads dir and names each POL finding by its rule, the
// user or policy it is about and the attribute it points at:
// "POL-003 p1@contoso.com voice_policy".
func policyFindings(t *testing.T, dir string) []string {
	t.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range c.Diagnostics {
		if !strings.HasPrefix(d.Rule, "POL-") || d.Range == nil {
			continue
		}
		src, err := os.ReadFile(d.Range.Filename)
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Split(string(src), "\n")[d.Range.Start.Line-1]
		what := strings.Fields(line)[0]
		if strings.HasSuffix(strings.TrimSpace(line), "{") {
			what = "block"
		}
		var who string
		for _, w := range strings.Fields(d.Detail) {
			if strings.Contains(w, "@") {
				who = strings.Trim(w, ",.")
				break
			}
		}
		out = append(out, d.Rule+" "+who+" "+what)
	}
	slices.Sort(out)
	return out
}

// TestPolicyPrecedence: the POL rules resolve each user's policies as
// the catalogue says (per-user grant, else the home's site, else
// global, else the defaults), for users homed on a pool, an SBA of
// another site, or nothing declared, and test a user's policies only
// when the user's own fields make a rule apply.
func TestPolicyPrecedence(t *testing.T) {
	extra := `
site "Branch" {}

sba "br1" {
  fqdn = "sba1.contoso.net"
  site = "Branch"
  pool = "pool01"
}

mobility_policy "OV" {
  enable_outside_voice = true
}

mobility_policy "Off" {
  enable_mobility      = false
  enable_outside_voice = false
}

mobility_policy "site:Branch" {
  enable_mobility      = false
  enable_outside_voice = false
}

voice_policy "NoRing" {
  allow_simul_ring = false
  pstn_usages      = ["ConfDialOut"]
}

voice_policy "site:Branch" {
  allow_simul_ring = true
  pstn_usages      = ["ConfDialOut"]
}

# Call via Work through a per-user voice policy without simultaneous
# ring, and not Enterprise Voice: both POL-003 clauses.
user "p1@contoso.com" {
  pool         = "pool01"
  voice_policy = "NoRing"
}

# A per-user mobility policy that sets outside voice: Call via Work, with
# no voice policy at all.
user "p2@contoso.com" {
  pool            = "pool01"
  mobility_policy = "OV"
}

# A per-user mobility policy that does not set outside voice, no voice
# sign: not held to POL-003.
user "p3@contoso.com" {
  pool            = "pool01"
  mobility_policy = "NoCallViaWork"
}

# A per-user policy that disables mobility.
user "p4@contoso.com" {
  pool            = "pool01"
  mobility_policy = "Off"
}

# The same, but the user does not use mobility.
user "p5@contoso.com" {
  pool            = "pool01"
  mobility_policy = "Off"
  uses_mobility   = false
}

# Click to Join with no voice policy anywhere.
user "p6@contoso.com" {
  pool          = "pool01"
  click_to_join = true
}

# Homed on the SBA of site Branch, whose mobility policy disables
# mobility.
user "p7@contoso.com" {
  sba = "br1"
}

# On the SBA, but granted a policy of its own: the site policy does not
# apply; the site's voice policy (simultaneous ring) does.
user "p8@contoso.com" {
  sba              = "br1"
  mobility_policy  = "OV"
  enterprise_voice = true
  click_to_join    = true
}

# Homed on nothing declared: the global policies (SCHEMA-002 reports the
# home); Enterprise Voice with no voice policy.
user "p9@contoso.com" {
  pool             = "nowhere"
  enterprise_voice = true
}
`
	dir := withUsers(t, "contoso", 0, nil)
	if err := os.WriteFile(filepath.Join(dir, "more-users.hcl"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	got := policyFindings(t, dir)
	want := []string{
		"POL-001 p4@contoso.com mobility_policy",
		"POL-001 p7@contoso.com block",
		"POL-003 p1@contoso.com block", // not Enterprise Voice (unset)
		"POL-003 p1@contoso.com voice_policy",
		"POL-003 p2@contoso.com block", // not Enterprise Voice
		"POL-003 p2@contoso.com block", // no voice policy applies
		"POL-003 p9@contoso.com block",
		"POL-004 p6@contoso.com click_to_join",
	}
	if !slices.Equal(got, want) {
		t.Errorf("POL findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
