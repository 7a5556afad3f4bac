package sfb

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/pwsh"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

// examples are every valid example topology: the folders of examples/
// that hold one (not examples/invalid/<RULE>), and the invalid
// examples' valid base.
var examples = func() []string {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*"))
	var out []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() || filepath.Base(d) == "invalid" {
			continue
		}
		if _, err := loader.Detect(d); err != nil {
			continue // not a topology (the scale generator)
		}
		out = append(out, filepath.Base(d))
	}
	return append(out, "invalid/_base")
}()

func load(t *testing.T, example string) (*model.Topology, *plan.Plan) {
	t.Helper()
	m := testtool.ExampleModel(t, example)
	return m, planner.New(m)
}

// script is the plan's script, without the byte order mark it must
// start with.
func script(t *testing.T, p *plan.Plan) string {
	t.Helper()
	fs, err := Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Path != Path {
		t.Fatalf("files: %v", fs)
	}
	s, ok := strings.CutPrefix(string(fs[0].Data), pwsh.BOM)
	if !ok {
		t.Fatalf("the script does not start with a UTF-8 byte order mark: %q", fs[0].Data[:min(10, len(fs[0].Data))])
	}
	return s
}

// checkSyntax scans the script (strings, comments, brackets) and checks
// that every bracket closes in order.
func checkSyntax(src string) error {
	ts, err := scan(src)
	if err != nil {
		return err
	}
	return balanced(ts)
}

func TestCheckSyntaxCatchesErrors(t *testing.T) {
	for _, bad := range []string{
		"Set-X -A 'open\n",
		"if ($a) { Set-X\n",
		"Set-X -A @{add='x'}}\n",
		"Set-X -A 'it's'\n",
		"<# never closed\n",
		"Set-X -A \"open\n",
		"Set-X (a]\n",
	} {
		if checkSyntax(bad) == nil {
			t.Errorf("not caught: %q", bad)
		}
	}
	for _, good := range []string{
		"Set-X -A 'it''s' # a ' in a comment { \n",
		"<# {'\n #> Set-X -A \"a `\" b \"\"c\"\" {\" -B @{add='x','y'}\n",
		"Set-X -N '^\\+1\\d{10}$' -Q '‘‘curly’’ ok'\n",
	} {
		if err := checkSyntax(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

// TestLineBreaksRefused: a title, command, product or SIP domain holding
// a line break (or another control character) is refused, naming it,
// rather than joined into one line: on a line of its own, what follows
// the break would run.
func TestLineBreaksRefused(t *testing.T) {
	ok := plan.ShellSection{Title: "1. Ports", Commands: []string{"Get-CsService -WebServer"}}
	for name, p := range map[string]*plan.Plan{
		"title":   {Product: "sfb2019", Shell: []plan.ShellSection{{Title: "1. Ports\nStart-Process calc", Commands: ok.Commands}}},
		"command": {Product: "sfb2019", Shell: []plan.ShellSection{ok, {Title: "2. X", Commands: []string{"Set-CsX -Identity 'a\r\nStart-Process calc'"}}}},
		"comment": {Product: "sfb2019", Shell: []plan.ShellSection{{Title: "1. X", Commands: []string{"# a\nStart-Process calc"}}}},
		"domain":  {Product: "sfb2019", SIPDomains: []string{"contoso.com\nStart-Process calc"}},
		"product": {Product: "sfb2019\x00"},
		"tab":     {Product: "sfb2019", Shell: []plan.ShellSection{{Title: "1. X", Commands: []string{"Set-CsX\t-A 1"}}}},
	} {
		_, err := Generator.Generate(&artifact.Context{Plan: p})
		if err == nil || !strings.Contains(err.Error(), "control character") {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\r\n\x00\t") {
			t.Errorf("%s: the error holds the raw character: %q", name, err)
		}
	}
}

// pwshParse asks PowerShell's own parser when pwsh is installed (it is
// not required).
func pwshParse(t *testing.T, name, src string) {
	t.Helper()
	pwsh, err := exec.LookPath("pwsh")
	if err != nil {
		return
	}
	cmd := exec.Command(pwsh, "-NoProfile", "-NonInteractive", "-Command",
		`$e = $null; [void][System.Management.Automation.Language.Parser]::ParseInput([Console]::In.ReadToEnd(), [ref]$null, [ref]$e); if ($e) { $e | ForEach-Object { $_.ToString() }; exit 1 }`)
	cmd.Stdin = strings.NewReader(src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: pwsh parse: %v\n%s", name, err, out)
	}
}

// A hand-built plan with awkward text: quotes in a command (typographic
// ones included) are doubled in the ShouldProcess target, non-ASCII text
// is written as it is (the file is UTF-8 with a byte order mark, as
// every script), and an empty plan is a valid script.
func TestHandBuilt(t *testing.T) {
	p := &plan.Plan{Product: "sfb2015", SIPDomains: []string{"example.com"}, Shell: []plan.ShellSection{{
		Title:    "1. Policies for Zoë",
		Commands: []string{"# note", "Set-CsMobilityPolicy -Identity 'Tag' -Description 'O''Brien’’s'", "$x = 'y'"},
	}}}
	s := script(t, p)
	if err := checkSyntax(s); err != nil {
		t.Error(err)
	}
	for _, want := range []string{
		"# 1. Policies for Zoë\n",
		"    if ($PSCmdlet.ShouldProcess('Set-CsMobilityPolicy -Identity ''Tag'' -Description ''O''''Brien’’’’s''')) {\n",
		"\nif ($Step -contains 1) {\n    # note\n    if ($PSCmdlet",
		"\n    }\n    $x = 'y'\n}\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	s2 := script(t, &plan.Plan{Product: "sfb2019"})
	if err := checkSyntax(s2); err != nil {
		t.Errorf("empty plan script: %v\n%s", err, s2)
	}
	if !strings.Contains(s2, "param(\n    # The steps to run, by number (default: all).\n    [int[]]$Step = @()\n)\n") {
		t.Errorf("empty plan: param block:\n%s", s2)
	}
}

// Contoso (SfB 2019 with push): certificates per Front End from the
// planned subject and names, the push provider guarded by its proxy FQDN
// under any Identity, DNS SRV routing with partner discovery, the UCWA
// test on the users' Front End pool; no MCX at all (VER-006).
func TestContoso(t *testing.T) {
	_, p := load(t, "contoso")
	s := script(t, p)
	for _, want := range []string{
		"if ($Step -contains 2 -and $Server -eq 'fe01.contoso.net') {\n    Set-PlannedCertificate -Type 'Default' -Subject 'pool01.contoso.net' -Names 'pool01.contoso.net','fe01.contoso.net' -FriendlyName 'SfB Default (fe01-default)' -Template 'WebServerClientAuth'\n",
		"    if (-not (Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'sipfed.online.lync.com' })) {\n        if ($PSCmdlet.ShouldProcess('New-CsHostingProvider -Identity ''SkypeOnline''",
		"        Set-CsAccessEdgeConfiguration -AllowFederatedUsers $True -UseDnsSrvRouting -EnablePartnerDiscovery $True\n",
		"        Test-CsFederatedPartner -TargetFqdn 'edgepool.contoso.net' -Domain 'push.lync.com' -ProxyFqdn 'sipfed.online.lync.com'\n",
		"        Test-CsUcwaConference -TargetFqdn 'pool01.contoso.net' -Authentication Negotiate",
		"    if ($PSCmdlet.ShouldProcess('Set-CsMobilityPolicy -Identity ''global'' -EnableMobility $True -EnableOutsideVoice $True')) {\n",
		"    Get-CsService -WebServer | Select-Object Identity,",
		// The request asks for the template the plan's request files name,
		// so the certificate carries the EKU they ask for.
		"                Request-CsCertificate -New -Type $Type -CA $CAConfig -ComputerFqdn $Server -FriendlyName $FriendlyName -DomainName ($Names -join ',') -Template $Template | Out-Null\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	// The request runs only when the store has no matching certificate,
	// the assignment only when the usages do not use it yet.
	find := strings.Index(s, "    $cert = Find-PlannedCertificate -Subject $Subject -Names $Names\n    if (-not $cert) {\n")
	req := strings.Index(s, "Request-CsCertificate -New")
	assigned := strings.Index(s, "    if ($assigned.Count -lt $Type.Count) {\n")
	set := strings.Index(s, "            Set-CsCertificate -Type $Type -Thumbprint $cert.Thumbprint\n")
	if find < 0 || req < find || assigned < req || set < assigned {
		t.Errorf("the certificate request or assignment is not guarded by what the store and Get-CsCertificate hold (%d %d %d %d)", find, req, assigned, set)
	}
	for _, no := range []string{"Mcx", "MCX", "5086", "5087", "Test-CsMcxP2PIM", "Thumbprint = '"} {
		if strings.Contains(s, no) {
			t.Errorf("SfB 2019 script mentions %s", no)
		}
	}
	if strings.IndexFunc(s, func(r rune) bool { return r > 0x7f }) >= 0 {
		t.Error("contoso's script should be ASCII")
	}
}

// Multisite (SfB 2015 with Lync 2010 Mobile and hybrid): the MCX step,
// Test-CsMcxP2PIM with its mandatory -Authentication, and the hybrid
// provider found by its proxy FQDN.
func TestMultisiteMCX(t *testing.T) {
	_, p := load(t, "multisite")
	s := script(t, p)
	for _, want := range []string{
		"MCX settings (Lync 2010 Mobile clients",
		"        Set-CsMcxConfiguration -Identity global -ExposedWebURL External -SessionExpirationInterval 259200 -SessionShortExpirationInterval 3600\n",
		"        Test-CsMcxP2PIM -TargetFqdn 'lyon.fabrikam.local' -Authentication Negotiate -SenderSipAddress",
		"        Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'sipfed.online.lync.com' } | Set-CsHostingProvider -AutodiscoverUrl",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}
