package sfb

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTableAgainstReference checks the table against the reference pages
// themselves, when their repositories are at hand (they are not part of
// this one): MOBPLAN_SFB_DOCS names a checkout (or bare clone) of
// MicrosoftDocs/office-docs-powershell, MOBPLAN_PS_DOCS one of
// MicrosoftDocs/PowerShell-Docs. Every page named in Source exists, is
// the command's, and has a "### -Name" entry for each parameter, spelt
// the same; the one parameter sourced from the Lync Server 2013
// reference is the exception the table says it is.
func TestTableAgainstReference(t *testing.T) {
	roots := map[string]string{
		"office-docs-powershell: ": os.Getenv("MOBPLAN_SFB_DOCS"),
		"PowerShell-Docs: ":        os.Getenv("MOBPLAN_PS_DOCS"),
	}
	if roots["office-docs-powershell: "] == "" || roots["PowerShell-Docs: "] == "" {
		t.Skip("MOBPLAN_SFB_DOCS and MOBPLAN_PS_DOCS do not name the reference repositories")
	}
	for _, c := range append(Cmdlets, CommonParameters) {
		var prefix string
		for p := range roots {
			if strings.HasPrefix(c.Source, p) {
				prefix = p
			}
		}
		if prefix == "" {
			continue // defined in the script
		}
		page, err := readPage(roots[prefix], strings.TrimPrefix(c.Source, prefix))
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		page = strings.ReplaceAll(page, "\r\n", "\n")
		if c.Name != CommonParameters.Name && !regexp.MustCompile(`(?m)^title: `+regexp.QuoteMeta(c.Name)+`$`).MatchString(page) {
			t.Errorf("%s: %s is not its page", c.Name, c.Source)
		}
		for _, p := range c.Params {
			if p.Note == lync2013Ref {
				continue
			}
			heading := "### -" + p.Name + "\n"
			if c.Name == CommonParameters.Name {
				heading = "### -" + p.Name // about_CommonParameters lists them with their aliases
			}
			i := strings.Index(page, heading)
			if i < 0 {
				t.Errorf("%s: %s has no entry for -%s", c.Name, c.Source, p.Name)
				continue
			}
			entry := page[i+len(heading):]
			if next := strings.Index(entry, "\n### "); next >= 0 {
				entry = entry[:next]
			}
			if m := reType.FindStringSubmatch(entry); m == nil || m[1] != TypeOf(c.Name, p.Name) {
				t.Errorf("%s -%s: the table says type %q, the reference %v", c.Name, p.Name, TypeOf(c.Name, p.Name), m)
			}
		}
	}
}

var reType = regexp.MustCompile(`(?m)^Type: (\S+)$`)

// readPage reads path from a checkout, or from HEAD of a bare clone.
func readPage(root, path string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path))); err == nil {
		return string(b), nil
	}
	out, err := exec.Command("git", "-C", root, "show", "HEAD:"+path).Output()
	return string(out), err
}
