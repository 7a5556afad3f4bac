package cli

import (
	"io"
	"regexp"
	"strings"
	"testing"
)

// The root help promises only what exists: every quoted '[mobplan] CMD
// --flag' it names is a command with that flag.
func TestRootHelpNamesWhatExists(t *testing.T) {
	root := NewRootCmd(Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard})
	mentions := regexp.MustCompile(`'(?:mobplan\s+)?([a-z]+)((?:\s+[A-Za-z0-9.-]+)*)'`).FindAllStringSubmatch(root.Long, -1)
	if len(mentions) < 3 {
		t.Fatalf("found %d command mentions in the root help; the pattern is stale", len(mentions))
	}
	for _, m := range mentions {
		cmd, _, err := root.Find([]string{m[1]})
		if err != nil || cmd == root {
			t.Errorf("the root help names 'mobplan %s', which is no command", m[1])
			continue
		}
		for _, flag := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(m[2], -1) {
			if cmd.Flags().Lookup(flag[1]) == nil {
				t.Errorf("the root help names 'mobplan %s --%s', which has no such flag", m[1], flag[1])
			}
		}
	}
}
