package sfb

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool/golden"
	"github.com/mobplan/mobplan/planner/plan"
)

// rePlaceholder finds what a person would have to replace: <...>,
// TODO, XXXX and the like.
var rePlaceholder = regexp.MustCompile(`(?i)<[a-z][^<>\n]*>|\bTODO\b|\bFIXME\b|\bTBD\b|XXXX|placeholder|thumbprint here|replace (this|the|with)|\bexample\.(com|org|net)\b|\buser[0-9]@`)

// reDocument is a cited document: a .md (or .docx, .pdf) file name.
var reDocument = regexp.MustCompile(`[\w./-]+\.(md|docx?|pdf)\b`)

// reStep is a section heading of the script.
var reStep = regexp.MustCompile(`(?m)^# ([0-9]+)\. `)

// Every valid example: the script parses (the scanner, and pwsh when it
// is installed); it holds to the table; every change is under
// ShouldProcess; no placeholder is left and no document outside the
// artifacts is cited; steps are numbered 1..N without gaps; the
// param() block validates what it takes; no lab password; the same bytes
// twice.
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		m, p := load(t, ex)
		s := script(t, p)
		if err := checkSyntax(s); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
		pwshParse(t, ex, s)
		for _, e := range append(CheckCalls(ex, p.Product, s), CheckGuarded(ex, s)...) {
			t.Error(e)
		}
		if loc := rePlaceholder.FindStringIndex(s); loc != nil {
			t.Errorf("%s: placeholder %q in line %d", ex, s[loc[0]:loc[1]], strings.Count(s[:loc[0]], "\n")+1)
		}
		if d := reDocument.FindString(s); d != "" {
			t.Errorf("%s: cites %s, which is not shipped with the artifacts (cite 'mobplan rules ID')", ex, d)
		}
		checkSteps(t, ex, p, s)
		if !strings.HasPrefix(s, Header) {
			t.Errorf("%s: header missing", ex)
		}
		if !strings.Contains(s, "\n[CmdletBinding(SupportsShouldProcess = $true)]\nparam(\n") {
			t.Errorf("%s: no ShouldProcess binding", ex)
		}
		if !strings.HasSuffix(s, "\n") {
			t.Errorf("%s: no final newline", ex)
		}
		for _, u := range m.Users {
			if u.LabPassword != "" && strings.Contains(s, u.LabPassword) {
				t.Errorf("%s: a lab password is in the script", ex)
			}
		}
		if _, again := load(t, ex); script(t, again) != s {
			t.Errorf("%s: not deterministic", ex)
		}
	}
}

// checkSteps: headings 1..N in order (a per-server step repeats its
// number once per server), each section under its own -Step (and
// -Server) condition, and the param() block validating -Step to 1..N
// and -Server to the per-server steps' servers.
func checkSteps(t *testing.T, name string, p *plan.Plan, s string) {
	t.Helper()
	last := 0
	for _, m := range reStep.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		if n != last && n != last+1 {
			t.Errorf("%s: step %d follows step %d", name, n, last)
		}
		last = n
	}
	if len(p.Shell) > 0 && last == 0 {
		t.Errorf("%s: no numbered step", name)
	}
	var all []string
	for i := 1; i <= last; i++ {
		all = append(all, strconv.Itoa(i))
	}
	if last > 0 && !strings.Contains(s, "    [ValidateRange(1, "+strconv.Itoa(last)+")]\n    [int[]]$Step = @("+strings.Join(all, ", ")+")") {
		t.Errorf("%s: -Step is not validated to 1..%d", name, last)
	}
	var servers []string
	for _, sec := range p.Shell {
		n, _, _ := splitTitle(sec.Title)
		cond := "if ($Step -contains " + strconv.Itoa(n)
		if sec.Server != "" {
			cond += " -and $Server -eq '" + sec.Server + "'"
			if !slices.Contains(servers, "'"+sec.Server+"'") {
				servers = append(servers, "'"+sec.Server+"'")
			}
		}
		if !strings.Contains(s, "\n# "+sec.Title+"\n# "+strings.Repeat("-", 74)+"\n"+cond+") {\n") {
			t.Errorf("%s: section %q is not under %s)", name, sec.Title, cond)
		}
	}
	if len(servers) > 0 {
		for _, want := range []string{
			"    [ValidateSet(" + strings.Join(servers, ", ") + ")]\n    [string]$Server = '',\n",
			"    [ValidatePattern('^[^\\\\]+\\\\[^\\\\]+$')]\n    [string]$CAConfig = ''\n",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: param() block lacks\n%s", name, want)
			}
		}
	}
}

// TestTableChecksCatch: the checks above fail on what the issue found —
// a parameter that does not exist, a misspelt one, a command outside the
// table, an MCX test on SfB 2019, an unguarded change, a placeholder.
func TestTableChecksCatch(t *testing.T) {
	for name, src := range map[string]string{
		"no such parameter":   "if ($PSCmdlet.ShouldProcess('x')) { Set-CsWebServer -Identity 'WebServer:a' -InternalHttpPort 81 }\n",
		"misspelt":            "if ($PSCmdlet.ShouldProcess('x')) { New-CsMobilityPolicy -Identity 'a' -RequireWiFiForIPVideo $True }\n",
		"not in the table":    "if ($PSCmdlet.ShouldProcess('x')) { Remove-CsMobilityPolicy -Identity 'a' }\n",
		"product":             "if ($PSCmdlet.ShouldProcess('x')) { Test-CsMcxPushNotification -AccessEdgeFqdn 'e' }\n",
		"Lync 2013 only":      "if ($PSCmdlet.ShouldProcess('x')) { Set-CsMobilityPolicy -Identity 'a' -RequireWIFIForIPAudio $True }\n",
		"switch with a value": "if ($PSCmdlet.ShouldProcess('x')) { Set-CsAccessEdgeConfiguration -UseDnsSrvRouting $True }\n",
		"Boolean missing":     "if ($PSCmdlet.ShouldProcess('x')) { Set-CsAccessEdgeConfiguration -UseDnsSrvRouting -EnablePartnerDiscovery }\n",
		"not a number":        "if ($PSCmdlet.ShouldProcess('x')) { Set-CsWebServer -Identity 'WebServer:a' -ExternalHttpsPort 'x' }\n",
		"Boolean as a string": "if ($PSCmdlet.ShouldProcess('x')) { Set-CsAccessEdgeConfiguration -AllowFederatedUsers 'True' }\n",
	} {
		if len(CheckCalls(name, "sfb2019", src)) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	if len(CheckGuarded("unguarded", "if (-not (Get-CsAllowedDomain -Identity 'a')) { New-CsAllowedDomain -Identity 'a' }\n")) == 0 {
		t.Error("an unguarded New- is not caught")
	}
	for _, bad := range []string{"$CA = '<CA server FQDN>\\<CA name>'", "$DefaultThumbprint = 'thumbprint here'", "# TODO", "-TargetFqdn 'XXXX'", "'sip:user2@litware.com'"} {
		if !rePlaceholder.MatchString(bad) {
			t.Errorf("placeholder not caught: %s", bad)
		}
	}
	if reDocument.FindString("# in the order below (mobility-rules.md 2.6)") == "" {
		t.Error("a cited document is not caught")
	}
}

// TestStepGapsRefused: a plan whose steps skip a number, or repeat a
// once-per-deployment step, is refused rather than written.
func TestStepGapsRefused(t *testing.T) {
	sec := func(title, server string) plan.ShellSection {
		return plan.ShellSection{Title: title, Server: server, Commands: []string{"Get-CsService -WebServer"}}
	}
	for name, shell := range map[string][]plan.ShellSection{
		"gap":             {sec("1. A", ""), sec("3. C", "")},
		"no number":       {sec("A", "")},
		"starts at 0":     {sec("0. A", "")},
		"repeated":        {sec("1. A", ""), sec("1. A again", "")},
		"mixed":           {sec("1. A", "s1"), sec("1. A", "")},
		"same server":     {sec("1. A on s1", "s1"), sec("1. A on s1", "s1")},
		"server in title": {sec("1. A", "s1\nStart-Process calc")},
	} {
		if _, err := Script(&plan.Plan{Product: "sfb2019", Shell: shell}); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}

// TestGuardedLines: the planner's guarded lines are split into the read
// and the change; anything else is not.
func TestGuardedLines(t *testing.T) {
	cond, bodies, ok := guarded("if (-not (Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'x' })) { New-CsHostingProvider -Identity 'a}' }")
	if !ok || cond != "-not (Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'x' })" || !slices.Equal(bodies, []string{"New-CsHostingProvider -Identity 'a}'"}) {
		t.Errorf("got %q %q %v", cond, bodies, ok)
	}
	_, bodies, ok = guarded("if (Get-X -Identity 'a') { Set-X -A @{add='b'} } else { New-X -A 'c' }")
	if !ok || !slices.Equal(bodies, []string{"Set-X -A @{add='b'}", "New-X -A 'c'"}) {
		t.Errorf("else: %q %v", bodies, ok)
	}
	for _, no := range []string{"Set-X -A 1", "if ($a) { B } ; C", "if ($a) { B } elseif ($c) { D }", "if ($a) B", "if ($a) { B } else { C } else { D }"} {
		if _, _, ok := guarded(no); ok {
			t.Errorf("%q taken as a guarded line", no)
		}
	}
	for line, want := range map[string]bool{
		"# Set-CsX": false,
		"Get-CsService -WebServer | Select-Object Identity":                                          false,
		"Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'a' } | Set-CsHostingProvider -A 1": true,
		"if (-not (Get-CsX)) { throw 'no X' }":                                                       false,
		"Set-PlannedCertificate -Type 'Default' -Subject 'a' -Names 'a' -FriendlyName 'b'":           false,
		"Test-CsFederatedPartner -TargetFqdn 'a'":                                                    true,
	} {
		if got := Changes(line); got != want {
			t.Errorf("Changes(%q) = %v", line, got)
		}
	}
}

// TestCmdletsMarkdown: CMDLETS.md is the table as cmdlets.go has it.
func TestCmdletsMarkdown(t *testing.T) {
	golden.Check(t, "CMDLETS.md", []byte(TableMarkdown()), golden.Command("./generators/sfb", "TestCmdletsMarkdown"))
	if _, err := os.Stat("SCRIPT.md"); err != nil {
		t.Errorf("the script's decisions are not written down: %v", err)
	}
}

// TestCalls: the scanner finds commands where PowerShell runs them
// (statement start, after a pipe, inside brackets), with their own
// parameters only, and marks as guarded exactly what is inside a
// ShouldProcess block.
func TestCalls(t *testing.T) {
	src := `$x = Get-A -P1 1 -P2:$true
if (-not (Get-B -Q 'x' | Where-Object { $_.N -eq 'y' })) { throw 'no' }
if ($PSCmdlet.ShouldProcess('Set-C')) {
    Set-C -R @{add='a'} -S (Get-D -T 1)
}
Set-E -U
function Do-F {
    param([string]$One, [switch]$Two)
}
`
	cs, defined, err := calls(src)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		name    string
		params  string
		values  string
		guarded bool
	}
	var have []got
	for _, c := range cs {
		have = append(have, got{c.Name, strings.Join(c.Params, ","), strings.Join(c.Values, ","), c.Guarded})
	}
	want := []got{
		{"Get-A", "P1,P2", "1,$true", false},
		{"Get-B", "Q", "'x'", false},
		{"Where-Object", "", "", false},
		{"Set-C", "R,S", "(,(", true},
		{"Get-D", "T", "1", true},
		{"Set-E", "U", "", false},
	}
	if !slices.Equal(have, want) {
		t.Errorf("calls:\n got %v\nwant %v", have, want)
	}
	if !slices.Equal(defined["Do-F"], []string{"One", "Two"}) {
		t.Errorf("defined: %v", defined)
	}
}
