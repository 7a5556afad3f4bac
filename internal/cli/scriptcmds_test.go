package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Script commands that edit files in Go, so the scripts need no shell
// tool (sed, sh, grep -r) and run the same on every OS.

// unquote reads a script argument as the inside of a Go string literal,
// so \n and \t can be written; quotes need no escaping.
func unquote(ts *testscript.TestScript, s string) string {
	u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
	if err != nil {
		ts.Fatalf("bad escape in %q: %v", s, err)
	}
	return u
}

// replace FILE OLD NEW [OLD NEW]...: replaces every occurrence of each
// OLD by its NEW, in order. An OLD that does not occur is an error: a
// script whose edit misses its target would test nothing.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args)%2 != 1 {
		ts.Fatalf("usage: replace FILE OLD NEW [OLD NEW]...")
	}
	path := ts.MkAbs(args[0])
	text := ts.ReadFile(args[0])
	for i := 1; i < len(args); i += 2 {
		old, new := unquote(ts, args[i]), unquote(ts, args[i+1])
		if !strings.Contains(text, old) {
			ts.Fatalf("replace: %s does not contain %q", args[0], old)
		}
		text = strings.ReplaceAll(text, old, new)
	}
	writeKeepingMode(ts, path, text)
}

// append FILE TEXT: adds TEXT at the end of FILE, which must exist.
func cmdAppend(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: append FILE TEXT")
	}
	writeKeepingMode(ts, ts.MkAbs(args[0]), ts.ReadFile(args[0])+unquote(ts, args[1]))
}

func writeKeepingMode(ts *testscript.TestScript, path, text string) {
	st, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, []byte(text), st.Mode().Perm()))
}

// grep-files PATTERN DIR: some file under DIR matches the regular
// expression; with !, none does (and the ones that do are listed).
func cmdGrepFiles(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: [!] grep-files PATTERN DIR")
	}
	re, err := regexp.Compile(`(?m)` + args[0])
	ts.Check(err)
	root := ts.MkAbs(args[1])
	var matched []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if re.Match(b) {
			rel, _ := filepath.Rel(root, p)
			matched = append(matched, filepath.ToSlash(rel))
		}
		return nil
	})
	ts.Check(err)
	switch {
	case neg && len(matched) > 0:
		ts.Fatalf("files under %s match %q: %s", args[1], args[0], strings.Join(matched, ", "))
	case !neg && len(matched) == 0:
		ts.Fatalf("no file under %s matches %q", args[1], args[0])
	}
}
