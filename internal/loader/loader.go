// Package loader is the front door of the pipeline: it picks the
// front-end for a topology path by its files' syntax, reads it, and
// checks the result against the schema and rules.
package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"cuelang.org/go/cue"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/memlimit"
	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/cuetopo"
	"github.com/mobplan/mobplan/schema/datatopo"
	"github.com/mobplan/mobplan/schema/frontend"
	"github.com/mobplan/mobplan/schema/hcltopo"
	"github.com/mobplan/mobplan/schema/jsonnettopo"
)

// Options are the user's settings for reading a topology.
type Options = frontend.Options

// Checked is a topology read and checked.
type Checked struct {
	Doc    *canon.Document
	Result schema.Result
	// Diagnostics from reading and checking, sorted, without the
	// acknowledged ones.
	Diagnostics diag.Diagnostics
	// Acknowledged are the warnings and notes the topology acknowledges
	// (acknowledge blocks that have not expired), in Diagnostics order.
	Acknowledged []diag.Acknowledged

	digest string // InputDigest, once computed
	// digesting, when set, is closed once a digest Release began in the
	// background is in digest.
	digesting chan struct{}
}

// Syntaxes are the topology front-ends, in the order messages list them.
// Which files of a folder belong to a topology is the front-end's
// Files, on the one frontend.Ignored rule for every syntax.
var Syntaxes = []frontend.Syntax{hcltopo.Syntax, cuetopo.Syntax, jsonnettopo.Syntax, datatopo.JSON, datatopo.YAML}

// ForFile returns the syntax a file name is read as.
func ForFile(name string) (frontend.Syntax, bool) {
	for _, s := range Syntaxes {
		if s.Reads(name) {
			return s, true
		}
	}
	return frontend.Syntax{}, false
}

// Detect tells the syntax of a topology path: a file by its name, a
// folder by the topology files it holds, which must all be of one syntax.
func Detect(path string) (string, error) {
	s, err := detect(path)
	return s.Name, err
}

func detect(path string) (frontend.Syntax, error) {
	st, err := os.Stat(path)
	if err != nil {
		return frontend.Syntax{}, err
	}
	if !st.IsDir() {
		s, ok := ForFile(path)
		if !ok {
			var exts []string
			for _, s := range Syntaxes {
				for _, e := range s.Extensions {
					if !s.IsLibrary(e) {
						exts = append(exts, e)
					}
				}
			}
			return frontend.Syntax{}, fmt.Errorf("%s: not a topology file (expected %s)", path, frontend.Join(exts, "or"))
		}
		if s.IsLibrary(path) {
			return frontend.Syntax{}, fmt.Errorf("%s is a %s library; give the %s file that imports it, or its folder", path, s.Title, s.Extensions[0])
		}
		return s, nil
	}
	var found []frontend.Syntax
	var parts, usual []string
	for _, s := range Syntaxes {
		usual = append(usual, "*"+s.Extensions[0])
		files, err := s.Files(path)
		if err != nil {
			return frontend.Syntax{}, err
		}
		if len(files) == 0 {
			continue
		}
		found = append(found, s)
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = filepath.Base(f)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", s.Name, strings.Join(names, ", ")))
	}
	switch len(found) {
	case 0:
		return frontend.Syntax{}, fmt.Errorf("%s holds no topology file (%s)", path, strings.Join(usual, ", "))
	case 1:
		return found[0], nil
	}
	sort.Strings(parts)
	return frontend.Syntax{}, fmt.Errorf("%s mixes topology syntaxes: %s; a topology folder holds one syntax, so move the other files elsewhere (JSON and YAML data such as saved plans belong outside the topology folder)", path, strings.Join(parts, "; "))
}

// Root is the topology folder of path: path itself, or the folder of a
// topology file.
func Root(path string) string {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// Load reads and checks the topology at path.
func Load(path string, opts Options) (*Checked, error) {
	s, err := schema.Load()
	if err != nil {
		return nil, err
	}
	root := Root(path)
	syntax, err := detect(path)
	if err != nil {
		doc := canon.NewDocument("", root)
		return &Checked{Doc: doc, Diagnostics: diag.Diagnostics{{Severity: diag.Error, Rule: canon.RuleSyntax,
			Summary: "Cannot read topology", Detail: err.Error(), Range: &diag.Range{Filename: path}}}}, nil
	}
	ds := flagMismatch(syntax, opts)
	memlimit.Fit(sourceSize(syntax, path))
	c := &Checked{}
	// Reading and checking run under the memory ceiling: the front-ends
	// bound their own evaluation (and report where it stopped); this
	// bounds the rest (a JSON or YAML file's value, the schema check).
	err = memlimit.Watch(func() {
		doc, fds := syntax.Load(path, opts)
		c.Doc = doc
		ds = append(ds, fds...)
		if !hasRule(ds, canon.RuleSyntax) {
			c.Result = s.Check(doc)
			ds = append(ds, c.Result.Diagnostics...)
		}
	})
	if err != nil {
		// Abandoned: nothing the evaluation holds is read again. What
		// ran out here is reading data or checking rules, not a runaway
		// expression (a front-end reports those itself): most likely a
		// very large topology.
		d := canon.LimitDiagnostic(&diag.Range{Filename: path}, err)
		d.Detail = "Reading and checking the topology needed more memory than mobplan allows itself: " + err.Error() + "."
		d.Hint = "A very large topology (tens of thousands of users) may need more: raise --max-memory or MOBPLAN_MAX_MEMORY."
		return &Checked{Doc: canon.NewDocument(syntax.Name, root), Diagnostics: diag.Diagnostics{d}}, nil
	}
	// No diagnostic shows a secret (a lab_password, a sensitive HCL
	// variable's value), in its words or in a snippet.
	secrets := c.Doc.Secrets()
	canon.RedactDiagnostics(ds, secrets)
	c.Doc.Sources = canon.RedactSources(c.Doc.Sources, secrets)
	ds.Sort()
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ds, c.Acknowledged = s.Acknowledge(c.Doc, ds, now())
	c.Diagnostics = ds
	return c, nil
}

// sourceSize is the size of the topology's files (what the automatic
// memory ceiling grows with); files it cannot stat count for nothing,
// the front-end reports them.
func sourceSize(syntax frontend.Syntax, path string) int64 {
	files := []string{path}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		files, _ = syntax.Files(path)
	}
	var n int64
	for _, f := range files {
		if st, err := os.Lstat(f); err == nil && st.Mode().IsRegular() {
			n += st.Size()
		}
	}
	return n
}

// flagMismatch refuses settings the topology's syntax cannot use, rather
// than ignoring them silently.
func flagMismatch(syntax frontend.Syntax, opts Options) diag.Diagnostics {
	var ds diag.Diagnostics
	for _, flag := range opts.Flags() {
		if slices.Contains(syntax.Flags, flag) {
			continue
		}
		var only []string
		for _, s := range Syntaxes {
			if slices.Contains(s.Flags, flag) {
				only = append(only, s.Title)
			}
		}
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Option does not apply",
			Detail: fmt.Sprintf("%s applies to %s topologies; this one is %s", flag, frontend.Join(only, "and"), syntax.Name)})
	}
	return ds
}

func hasRule(ds diag.Diagnostics, rule string) bool {
	for _, d := range ds {
		if d.Rule == rule && d.Severity == diag.Error {
			return true
		}
	}
	return false
}

// InputDigest fingerprints what the topology means, not how it is
// written: the sha256 of the schema-unified value (defaults applied) in
// canonical JSON, so the same topology in HCL, CUE, Jsonnet, JSON or YAML
// has one digest, and a comment or a reformat does not make a saved plan
// stale. When the topology does not unify, the front-end's value is used.
// Every secret (lab_password, a sensitive variable's value) is replaced
// by canon.SensitiveMarker first: the digest is in manifests and saved
// plans, and a digest over a password lets anyone who reads them try
// passwords offline. Nothing mobplan writes depends on a secret, so a
// changed password leaves the digest, and a saved plan, as they were.
func (c *Checked) InputDigest() string {
	if c.digesting != nil {
		<-c.digesting
	}
	if c.digest == "" {
		c.digest = c.digestOf(c.digestedValue())
	}
	return c.digest
}

// digestedValue is the value InputDigest is of.
func (c *Checked) digestedValue() any {
	if t := c.Result.Topology; t.Exists() && t.Err() == nil {
		if unified, err := c.Result.Value(); err == nil {
			return unified
		}
	}
	return c.Doc.Value
}

// digestOf is the sha256 of v, redacted, in canonical JSON (maps marshal
// with sorted keys).
func (c *Checked) digestOf(v any) string {
	b, _ := json.Marshal(c.Doc.Redacted(v))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ReadDigest fingerprints the topology as the front-end read it, before
// the schema: the sha256 of its value in canonical JSON, secrets
// replaced as for InputDigest. With the schema fixed it decides the
// checked value, and it costs no export of the checked value (seconds
// for a hundred thousand users), so the plan cache keys on it.
func (c *Checked) ReadDigest() string { return c.digestOf(c.Doc.Value) }

// Release lets the evaluated CUE value go once the model is decoded: it is
// many times the size of the topology, and planning no longer needs it.
// The value InputDigest is of is taken first, and hashed in the
// background (a second at 10,000 SIP domains, while planning runs on the
// other core); InputDigest waits for it. Result.Topology is no longer set
// afterwards. Release is called once, before any other goroutine uses c.
func (c *Checked) Release() {
	if c.digest == "" && c.digesting == nil {
		v, done := c.digestedValue(), make(chan struct{})
		c.digesting = done
		go func() {
			defer close(done)
			c.digest = c.digestOf(v)
		}()
	}
	c.Result.Topology = cue.Value{}
	c.Result.Users = cue.Value{}
}

// ReleaseDocument lets go of the document's value and positions, most of
// the memory a large topology's document takes, once the model is
// decoded: the diagnostics carry their ranges, and what a run reports
// from the document afterwards is its Root and Sources. The input digest
// is made first, unless Release started it (it holds what it digests).
func (c *Checked) ReleaseDocument() {
	if c.digesting == nil {
		// Made before the value it may digest goes; a digest under way
		// (Release) holds the value it digests.
		_ = c.InputDigest()
	}
	c.Doc.Value, c.Doc.Ranges, c.Doc.Failed = nil, nil, nil
}
