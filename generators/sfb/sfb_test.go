package sfb

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/pwsh"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

var examples = []string{"contoso", "standard-edition", "multisite", "invalid/_base"}

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

// checkSyntax is a small PowerShell lexer: single-quoted strings (quote
// doubled inside, typographic single quotes included), double-quoted
// strings (backtick escapes, doubled quote), line and block comments,
// backtick escapes; it reports an unterminated string or comment and
// unbalanced (), {} and [].
func checkSyntax(src string) error {
	rs := []rune(src)
	isSingle := func(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201A\u201B", r) }
	isDouble := func(r rune) bool { return strings.ContainsRune("\"\u201C\u201D\u201E", r) }
	pairs := map[rune]rune{')': '(', '}': '{', ']': '['}
	var stack []rune
	line := 1
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\n':
			line++
		case r == '`':
			i++
			if i < len(rs) && rs[i] == '\n' {
				line++
			}
		case r == '<' && i+1 < len(rs) && rs[i+1] == '#':
			end := strings.Index(string(rs[i+2:]), "#>")
			if end < 0 {
				return fmt.Errorf("line %d: unterminated block comment", line)
			}
			body := string(rs[i+2:])[:end]
			line += strings.Count(body, "\n")
			i += 2 + len([]rune(body)) + 1
		case r == '#':
			for i+1 < len(rs) && rs[i+1] != '\n' {
				i++
			}
		case isSingle(r) || isDouble(r):
			same := isSingle
			if isDouble(r) {
				same = isDouble
			}
			start, closed := line, false
			for !closed {
				i++
				if i >= len(rs) {
					return fmt.Errorf("line %d: unterminated string", start)
				}
				switch c := rs[i]; {
				case c == '\n':
					line++
				case c == '`' && same(r) && isDouble(r):
					i++ // escapes exist in double-quoted strings only
				case same(c):
					if i+1 < len(rs) && same(rs[i+1]) {
						i++ // a doubled quote stands for itself
					} else {
						closed = true
					}
				}
			}
		case r == '(' || r == '{' || r == '[':
			stack = append(stack, r)
		case r == ')' || r == '}' || r == ']':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return fmt.Errorf("line %d: unbalanced %q", line, r)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q at end of script", stack[len(stack)-1])
	}
	return nil
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

// Every example: the script parses (the lexer above, and pwsh when it is
// installed), opens with the header and the advanced-script binding,
// puts every change under ShouldProcess, holds no lab password, ends
// with a newline and is the same bytes twice.
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		m, p := load(t, ex)
		s := script(t, p)
		if err := checkSyntax(s); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
		pwshParse(t, ex, s)
		if !strings.HasPrefix(s, Header) {
			t.Errorf("%s: header missing", ex)
		}
		if !strings.Contains(s, "\n[CmdletBinding(SupportsShouldProcess = $true)]\nparam()\n") {
			t.Errorf("%s: no ShouldProcess binding", ex)
		}
		if !strings.HasSuffix(s, "\n") {
			t.Errorf("%s: no final newline", ex)
		}
		for _, sec := range p.Shell {
			if !strings.Contains(s, "\n# "+sec.Title+"\n") {
				t.Errorf("%s: section %q missing", ex, sec.Title)
			}
			for _, c := range sec.Commands {
				want := c + "\n"
				if Changes(c) {
					want = "if ($PSCmdlet.ShouldProcess(" + pwsh.Literal(c) + ")) {\n    " + c + "\n}\n"
				}
				if !strings.Contains(s, want) {
					t.Errorf("%s: command not written as\n%s", ex, want)
				}
			}
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

// Contoso (SfB 2019 with push): the push step federates with
// sipfed.online.lync.com and the test goes through the internal Edge
// FQDN; no MCX at all (VER-006).
func TestContoso(t *testing.T) {
	_, p := load(t, "contoso")
	s := script(t, p)
	for _, want := range []string{
		"# 2. Push notifications (Edge + Office 365 clearing house)\n",
		"    if (-not (Get-CsHostingProvider -Identity 'SkypeOnline' -ErrorAction SilentlyContinue)) { New-CsHostingProvider -Identity 'SkypeOnline' -Enabled $True -ProxyFqdn 'sipfed.online.lync.com' -VerificationLevel UseSourceVerification }\n",
		"    Test-CsFederatedPartner -TargetFqdn 'edgepool.contoso.net' -Domain 'push.lync.com' -ProxyFqdn 'sipfed.online.lync.com'\n",
		"if ($PSCmdlet.ShouldProcess('Set-CsMobilityPolicy -Identity ''global'' -EnableMobility $True -EnableOutsideVoice $True')) {\n",
		"Get-CsService -WebServer | Select-Object Identity,",
		"$DefaultThumbprint = '<thumbprint of the Default certificate>'\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	for _, no := range []string{"Mcx", "MCX", "5086", "5087", "Test-CsMcxP2PIM"} {
		if strings.Contains(s, no) {
			t.Errorf("SfB 2019 script mentions %s", no)
		}
	}
	if strings.IndexFunc(s, func(r rune) bool { return r > 0x7f }) >= 0 {
		t.Error("contoso's script should be ASCII")
	}
}

// Multisite (SfB 2015 with Lync 2010 Mobile): the MCX step is there.
func TestMultisiteMCX(t *testing.T) {
	_, p := load(t, "multisite")
	s := script(t, p)
	for _, want := range []string{
		"# 6. MCX settings",
		"    Set-CsMcxConfiguration -Identity global -ExposedWebURL External -SessionExpirationInterval 259200 -SessionShortExpirationInterval 3600\n",
		"    Test-CsMcxP2PIM -TargetFqdn 'lyon.fabrikam.local'",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

// A hand-built plan with awkward text: quotes in a command (typographic
// ones included) are doubled in the ShouldProcess target, non-ASCII text
// is written as it is (the file is UTF-8 with a byte order mark, as
// every script), and an empty plan is a valid script.
func TestHandBuilt(t *testing.T) {
	p := &plan.Plan{Product: "sfb2015", SIPDomains: []string{"example.com"}, Shell: []plan.ShellSection{{
		Title:    "4. Policies for Zoë",
		Commands: []string{"# note", "Set-CsMobilityPolicy -Identity 'Tag' -Description 'O''Brien’’s'", "$x = 'y'"},
	}}}
	s := script(t, p)
	if !strings.HasPrefix(s, Header) {
		t.Errorf("no header: %q", s[:10])
	}
	if err := checkSyntax(s); err != nil {
		t.Error(err)
	}
	for _, want := range []string{
		"# 4. Policies for Zoë\n",
		"if ($PSCmdlet.ShouldProcess('Set-CsMobilityPolicy -Identity ''Tag'' -Description ''O''''Brien’’’’s''')) {\n",
		"\n# note\nif ($PSCmdlet",
		"\n}\n$x = 'y'\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if s2 := script(t, &plan.Plan{Product: "sfb2019"}); checkSyntax(s2) != nil {
		t.Errorf("empty plan script:\n%s", s2)
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
		"comment": {Product: "sfb2019", Shell: []plan.ShellSection{{Title: "3. X", Commands: []string{"# a\nStart-Process calc"}}}},
		"domain":  {Product: "sfb2019", SIPDomains: []string{"contoso.com\nStart-Process calc"}},
		"product": {Product: "sfb2019\x00"},
		"tab":     {Product: "sfb2019", Shell: []plan.ShellSection{{Title: "4. X", Commands: []string{"Set-CsX\t-A 1"}}}},
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
