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
// user or policy it is about, the attribute it points at and its detail:
// "POL-003 p1@contoso.com voice_policy: User p1@contoso.com has ...".
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
		out = append(out, d.Rule+" "+who+" "+what+": "+d.Detail)
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

# Granted policies that are not declared: SCHEMA-002 alone.
user "p10@contoso.com" {
  pool            = "pool01"
  mobility_policy = "Undeclared"
}

user "p11@contoso.com" {
  pool             = "pool01"
  enterprise_voice = true
  voice_policy     = "UndeclaredVoice"
  click_to_join    = true
}

# On the SBA whose site disables mobility, but not using mobility; with
# Click to Join, under the site's voice policy, which is routed.
user "p12@contoso.com" {
  sba           = "br1"
  uses_mobility = false
  click_to_join = true
}
`
	got := policyFindings(t, contosoWith(t, extra, nil))
	want := []string{
		`POL-001 p4@contoso.com mobility_policy: User p4@contoso.com is expected to use mobility (uses_mobility = true), but the effective mobility policy, the policy "Off" granted to the user, has enable_mobility = false.`,
		`POL-001 p7@contoso.com block: User p7@contoso.com is expected to use mobility (uses_mobility = true), but the effective mobility policy, the site policy "site:Branch", has enable_mobility = false.`,
		// Not Enterprise Voice (unset), and no simultaneous ring.
		`POL-003 p1@contoso.com block: User p1@contoso.com has Call via Work (outside voice is enabled by the site policy "site:Redmond") but is not enabled for Enterprise Voice.`,
		`POL-003 p1@contoso.com voice_policy: User p1@contoso.com has Call via Work (outside voice is enabled by the site policy "site:Redmond") but the effective voice policy, the policy "NoRing" granted to the user, has allow_simul_ring = false.`,
		`POL-003 p2@contoso.com block: User p2@contoso.com has Call via Work (outside voice is enabled by the policy "OV" granted to the user) but is not enabled for Enterprise Voice.`,
		`POL-003 p2@contoso.com block: User p2@contoso.com has Call via Work (outside voice is enabled by the policy "OV" granted to the user) but no voice policy applies (none is granted and no site or global voice policy is declared), so simultaneous ring is not allowed.`,
		`POL-003 p9@contoso.com block: User p9@contoso.com has Call via Work (outside voice is enabled by the global policy) but no voice policy applies (none is granted and no site or global voice policy is declared), so simultaneous ring is not allowed.`,
		`POL-004 p6@contoso.com click_to_join: User p6@contoso.com uses Click to Join, but no voice policy applies (none is granted and no site or global voice policy is declared), so the user has no PSTN usage for the call-back.`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("POL findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A global policy that disables mobility reaches a user whose home
	// is not declared, not the users under a site policy.
	global := `
user "q1@contoso.com" {
  pool = "nowhere"
}

user "q2@contoso.com" {
  pool          = "nowhere"
  uses_mobility = false
}
`
	got = policyFindings(t, contosoWith(t, global, func(policies string) string {
		return strings.Replace(policies, "  enable_mobility      = true\n  enable_outside_voice = true", "  enable_mobility      = false\n  enable_outside_voice = false", 1)
	}))
	want = []string{
		`POL-001 q1@contoso.com block: User q1@contoso.com is expected to use mobility (uses_mobility = true), but the effective mobility policy, the global policy, has enable_mobility = false.`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("POL findings under a global policy without mobility:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// contosoWith is the contoso example with more.hcl added and, when edit
// is given, its policies.hcl edited.
func contosoWith(t *testing.T, more string, edit func(string) string) string {
	t.Helper()
	dir := withUsers(t, "contoso", 0, nil)
	if err := os.WriteFile(filepath.Join(dir, "more-users.hcl"), []byte(more), 0o644); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		p := filepath.Join(dir, "policies.hcl")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		edited := edit(string(b))
		if edited == string(b) {
			t.Fatal("policies.hcl is unchanged")
		}
		if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
