// Package pipeline runs mobplan's one-way flow for a topology: load and
// check it, decode the model, derive the plan, render every artifact and
// compare the result with the artifacts directory. plan, apply, show and
// the runtime's commands share it; it prints nothing.
package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/generators/custom"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/labstate"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/memlimit"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/plancache"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/schema"
)

// Options say how to run the pipeline.
type Options struct {
	Load loader.Options
	// ArtifactsDir is where artifacts live; "" means artifacts/ beside
	// the topology.
	ArtifactsDir string
	// AllowErrors plans and renders a topology with rule errors (never
	// one whose structure is broken), recording it in the manifest.
	AllowErrors bool
	ToolVersion string
	// MakeKeys lets the run make the private keys that are missing or no
	// longer fit (apply). Without it nothing is written anywhere: a CSR
	// that needs a new key is pending ("new key and CSR on apply").
	MakeKeys bool
	// Lock takes the artifacts folder's lock once the topology is
	// checked, before anything is rendered, and keeps it in Result.Lock
	// (the caller applies through it and unlocks): apply's whole run
	// (keys, serials, writes) is one no other apply interleaves with.
	Lock bool
	// Progress, when set, is told each stage as the run enters it
	// ("checking the topology"), for a progress report on a terminal.
	Progress func(stage string)
	// Cache, when it has a folder, lets a run that only reports (plan
	// without --out) skip rendering when a full plan on this machine
	// found these very inputs and artifacts to need no change, and
	// records such a finding for the next run (see plancache).
	Cache plancache.Cache
	// DigestsOnly renders for a comparison alone (plan's report, a saved
	// plan): each file is kept as its sha256, not its bytes, so a large
	// deployment's artifacts are never all held at once. Result.Set then
	// cannot be applied, and Changes carry no bytes to show diffs of.
	DigestsOnly bool
}

func (o Options) stage(s string) {
	if o.Progress != nil {
		o.Progress(s)
	}
}

// Result is a topology carried through the whole pipeline.
type Result struct {
	Checked *loader.Checked
	Plan    *plan.Plan
	Set     *artifacts.Set
	// Changes compares Set with the artifacts directory, file by file.
	Changes []artifacts.Change
	// Differences compares Plan with the plan of the last apply, in the
	// deployment's terms.
	Differences  []plan.Difference
	ArtifactsDir string
	// Lock is the artifacts folder's lock, held when Options.Lock: apply
	// through it, then unlock.
	Lock *artifacts.DirLock
	// Keys is the key store; the keys the run made are stored by
	// Set.Commit, which apply runs under its lock.
	Keys        *certs.KeyStore
	InputDigest string
	// Inputs are the custom generator programs (and their imports) the
	// rendering read, path to sha256.
	Inputs map[string]string
	// Reused says the cache vouched that nothing changed: nothing was
	// rendered, so Plan, Set, Keys and InputDigest are unset and Changes
	// lists every file unchanged. Only a run with Options.Cache reuses, and only plan
	// without --out sets it: what needs the files (a saved plan, apply,
	// serve) always renders.
	Reused bool
}

// Warnings are the result's non-error findings (warnings and notes).
func (r *Result) Warnings() diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range r.Checked.Diagnostics {
		if d.Severity != diag.Error {
			out = append(out, d)
		}
	}
	return out
}

// Acknowledged are the warnings and notes the topology acknowledges
// (acknowledge blocks not expired): not among Warnings, shown apart.
func (r *Result) Acknowledged() []diag.Acknowledged { return r.Checked.Acknowledged }

// Problems is the error Run returns when the user's input is at fault:
// validation errors, or a custom generator program that fails. The
// caller renders the diagnostics in the format the user asked for.
type Problems struct {
	Diagnostics diag.Diagnostics
	// Sources holds the bytes of the files the diagnostics quote.
	Sources map[string][]byte
	// Acknowledged are the findings the topology acknowledges.
	Acknowledged []diag.Acknowledged
}

func (p *Problems) Error() string {
	n := p.Diagnostics.Count(diag.Error)
	return fmt.Sprintf("the topology has %d error(s)", n)
}

// Load reads and checks the topology at path, nothing more.
func Load(path string, o Options) (*loader.Checked, error) {
	return loader.Load(path, o.Load)
}

// Run validates, plans and renders the topology at path; validation
// errors stop it (as *Problems) unless AllowErrors, and a structural
// error always does.
func Run(path string, o Options) (res *Result, err error) {
	o.stage("reading and checking the topology")
	// A plan that may reuse hashes the artifacts while the topology is
	// checked, on the core the evaluation leaves idle.
	var early <-chan *reuseInputs
	if o.reuses() {
		early = readReuseInputs(o, loader.Root(path))
	}
	c, err := loader.Load(path, o.Load)
	if err != nil {
		return nil, err
	}
	if c.Diagnostics.HasErrors() && (!o.AllowErrors || c.Result.Topology.Err() != nil || c.Result.Users.Err() != nil || structural(c.Diagnostics)) {
		return nil, &Problems{Diagnostics: c.Diagnostics, Sources: c.Doc.Sources, Acknowledged: c.Acknowledged}
	}
	dir := o.ArtifactsDir
	if dir == "" {
		dir = DefaultArtifactsDir(c.Doc.Root)
	}
	if err := checkArtifactsDir(dir, c.Doc.Root); err != nil {
		return nil, err
	}
	findings := Findings(c.Diagnostics, c.Acknowledged)
	var reuse *reuseCheck
	if early != nil && !declaresGenerators(c) {
		o.stage("reading " + dir)
		reuse = newReuseCheck(o, c, <-early, dir, findings)
		if reuse.unchanged() {
			return &Result{Checked: c, ArtifactsDir: dir, Changes: reuse.state.Unchanged(), Reused: true}, nil
		}
	}
	o.stage("deriving the plan")
	m, err := c.Result.Model()
	if err != nil {
		return nil, err
	}
	c.Release()
	var lock *artifacts.DirLock
	if o.Lock {
		if lock, err = artifacts.LockDir(dir); err != nil {
			return nil, err
		}
		defer func() {
			if res == nil {
				lock.Unlock()
			}
		}()
	}
	// The previous plan is hashed while planning runs (it is hundreds of
	// MB at 10,000 SIP domains); under apply's lock, as before.
	previous := make(chan *render.Previous, 1)
	go func() { previous <- readPrevious(dir, reuse) }()
	// The last reads of the document, and of the model but for planning:
	// the document is let go before the garbage is collected, since the
	// plan and the rendering read neither.
	gens := Generators(c, m, o.Load.Timeout)
	state, passwords := StateDir(c.Doc.Root), labPasswords(m)
	c.ReleaseDocument()
	// Collect it now: left to itself, the collector's next goal would be
	// twice the evaluation's heap, and planning would grow to that first.
	// A large heap's pace holds until the run returns.
	defer memlimit.Collect()()
	p := planner.New(m)
	p.Findings = findings
	keys := certs.NewKeyStore(KeyDir(c.Doc.Root), o.MakeKeys)
	o.stage("rendering the artifacts")
	res = &Result{Lock: lock, Checked: c, Plan: p, ArtifactsDir: dir, Keys: keys, InputDigest: c.InputDigest(), Inputs: map[string]string{}}
	var readArtifact func(string) ([]byte, error)
	if reuse != nil {
		readArtifact = reuse.read
	}
	prev := <-previous
	set, err := render.Render(p, gens, render.Options{
		ArtifactsDir: dir,
		Previous:     prev,
		ReadArtifact: readArtifact,
		Keys:         keys,
		ToolVersion:  o.ToolVersion,
		InputDigest:  res.InputDigest,
		AllowErrors:  c.Diagnostics.HasErrors(),
		Inputs:       res.Inputs,
		DigestsOnly:  o.DigestsOnly,
	})
	var de *artifact.DiagnosticsError
	if errors.As(err, &de) {
		// A broken custom generator is the user's to fix, like a
		// validation error: same rendering, nothing written.
		sources := maps.Clone(c.Doc.Sources)
		if sources == nil {
			sources = map[string][]byte{}
		}
		maps.Copy(sources, de.Sources)
		return nil, &Problems{Diagnostics: de.Diagnostics, Sources: sources}
	}
	if err != nil {
		return nil, err
	}
	set.Commit = func() error {
		if err := keys.Commit(); err != nil {
			return err
		}
		return labstate.WritePasswords(state, passwords)
	}
	res.Set = set
	o.stage("comparing with " + dir)
	if lock != nil {
		res.Changes, _, err = lock.Diff(set)
	} else if reuse != nil && reuse.state != nil && !reuse.moved.Load() {
		// The files were hashed while the topology was checked (and
		// those the rendering read are the ones hashed).
		res.Changes, _, err = artifacts.DiffKnowing(dir, set, reuse.state)
	} else {
		res.Changes, _, err = artifacts.Diff(dir, set)
	}
	if err != nil {
		return nil, err
	}
	if !prev.Unchanged(set) {
		res.Differences = plan.Compare(prev.Plan(), p)
	}
	reuse.record(set, res.Changes, keys)
	return res, nil
}

// readPrevious is the plan.json in dir as the rendering compares with it,
// read through reuse when the run may reuse the plan cache.
func readPrevious(dir string, reuse *reuseCheck) *render.Previous {
	if reuse == nil {
		return render.ReadPrevious(dir)
	}
	prev := render.ReadPreviousWith(dir, reuse.read)
	reuse.sawDigest(render.PlanFile, prev.Sum)
	return prev
}

// reuseCheck is a run's use of the plan cache: the key of its inputs as
// they stood before anything was rendered ("" when they cannot be
// known: an unsettled artifacts folder, a key store or executable that
// cannot be read). A nil reuseCheck (no cache) records nothing.
type reuseCheck struct {
	cache plancache.Cache
	dir   string
	key   string
	state *artifacts.State
	keys  string
	// moved is set when a file the rendering read is not the one hashed.
	moved atomic.Bool
}

// declaresGenerators reports whether the topology declares custom
// generators, whose programs read files no cache key covers.
func declaresGenerators(c *loader.Checked) bool {
	gens, _ := c.Doc.Value["generators"].(map[string]any)
	return len(gens) > 0 || (c.Doc.Value["generators"] != nil && gens == nil)
}

// reuses says whether the run may reuse the cache: a report, not a run
// that writes.
func (o Options) reuses() bool { return o.Cache.Dir != "" && !o.Lock && !o.MakeKeys }

// reuseInputs are the inputs of the cache key that are read from disk:
// the build, the key store and the artifacts folder (nil when any of
// them cannot be read).
type reuseInputs struct {
	root  string
	dir   string
	tool  string
	keys  string
	state *artifacts.State
}

// readReuseInputs reads them in the background, for the topology at
// root; the channel yields nil when they cannot be known.
func readReuseInputs(o Options, root string) <-chan *reuseInputs {
	out := make(chan *reuseInputs, 1)
	go func() {
		in := &reuseInputs{root: root, dir: o.ArtifactsDir}
		if in.dir == "" {
			in.dir = DefaultArtifactsDir(root)
		}
		var err error
		if err = checkArtifactsDir(in.dir, root); err == nil {
			if in.tool, err = plancache.Executable(); err == nil {
				if in.keys, err = certs.NewKeyStore(KeyDir(root), false).Digest(); err == nil {
					in.state, err = artifacts.ReadState(in.dir)
				}
			}
		}
		if err != nil || in.state == nil {
			in = nil
		}
		out <- in
	}()
	return out
}

func newReuseCheck(o Options, c *loader.Checked, in *reuseInputs, dir string, findings []plan.Finding) *reuseCheck {
	r := &reuseCheck{cache: o.Cache, dir: dir}
	if in == nil || in.dir != dir || in.root != c.Doc.Root {
		return r
	}
	encoded, err := json.Marshal(findings)
	if err != nil {
		return r
	}
	r.state, r.keys = in.state, in.keys
	r.key = plancache.Inputs{Tool: o.ToolVersion + " " + in.tool, Schema: SchemaDigest(), Topology: c.ReadDigest(),
		Findings: encoded, Keys: in.keys, Artifacts: in.state}.Key()
	return r
}

func (r *reuseCheck) unchanged() bool { return r.key != "" && r.cache.Unchanged(r.dir, r.key) }

// read reads a previous artifact for the rendering, noting whether it is
// the file hashed.
func (r *reuseCheck) read(path string) ([]byte, error) {
	b, err := artifacts.ReadFile(r.dir, path)
	if err == nil {
		r.saw(path, b)
	}
	return b, err
}

// saw notes the bytes the rendering read at path (nil: no such file).
func (r *reuseCheck) saw(path string, b []byte) {
	sum := ""
	if b != nil {
		sum = artifacts.Digest(b)
	}
	r.sawDigest(path, sum)
}

// sawDigest notes the digest of what the rendering read at path ("":
// no such file).
func (r *reuseCheck) sawDigest(path, sum string) {
	if r.state != nil && sum != r.state.Files[path] {
		r.moved.Store(true)
	}
}

// record keeps the key when the full run found nothing to change in the
// very state the key was made from: the files it read are the ones
// hashed, the manifest and the key store read again now are the same.
func (r *reuseCheck) record(set *artifacts.Set, changes []artifacts.Change, keys *certs.KeyStore) {
	if r == nil || r.key == "" || r.moved.Load() || !r.state.Matches(set, changes) {
		return
	}
	if m, err := artifacts.ReadFile(r.dir, artifacts.ManifestName); err != nil || !bytes.Equal(m, r.state.Manifest) {
		return
	}
	if now, err := keys.Digest(); err != nil || now != r.keys {
		return
	}
	// The cache is an optimisation: failing to write it changes nothing.
	_ = r.cache.Record(r.dir, r.key)
}

// Findings are the diagnostics as the plan carries them for the report:
// every warning and note, and the errors a run with --allow-errors
// renders anyway, in the diagnostics' order, then the findings the
// topology acknowledges, with their reasons. Ranges are left out: they
// name files on this machine, and the report must not change with them.
func Findings(ds diag.Diagnostics, acks []diag.Acknowledged) []plan.Finding {
	var out []plan.Finding
	finding := func(d diag.Diagnostic) plan.Finding {
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		return plan.Finding{Rule: d.Rule, Severity: d.Severity.String(), Message: msg}
	}
	for _, d := range ds {
		out = append(out, finding(d))
	}
	for _, a := range acks {
		f := finding(a.Diagnostic)
		f.Acknowledged, f.Reason = true, a.Reason
		out = append(out, f)
	}
	return out
}

// checkArtifactsDir refuses an artifacts folder that is the topology
// folder or holds it: apply deletes what it no longer plans there, and
// the topology's own files (and its state folder) must never be among
// them.
func checkArtifactsDir(dir, root string) error {
	ad, err1 := filepath.Abs(dir)
	rd, err2 := filepath.Abs(root)
	if err1 != nil || err2 != nil {
		return nil
	}
	if r, err := filepath.EvalSymlinks(rd); err == nil {
		rd = r
	}
	if r, err := filepath.EvalSymlinks(ad); err == nil {
		ad = r
	}
	rel, err := filepath.Rel(ad, rd)
	if err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
		return fmt.Errorf("the artifacts folder %s is the topology folder %s or holds it: choose a folder of its own (the default is artifacts/ beside the topology)", dir, root)
	}
	return nil
}

// DefaultArtifactsDir is artifacts/ beside the topology.
func DefaultArtifactsDir(root string) string { return filepath.Join(root, "artifacts") }

// KeyDir is the private key store beside the topology, outside the
// artifacts directory.
func KeyDir(root string) string { return filepath.Join(StateDir(root), "keys") }

// Generators are the built-in generators followed by the topology's
// custom ones, each bounded by the evaluation timeout.
func Generators(c *loader.Checked, m *model.Topology, timeout time.Duration) []artifact.Generator {
	sources := map[string]string{}
	// Where each source is written, looked up now: the document's
	// positions are let go before rendering (Checked.ReleaseDocument).
	ranges := map[string]diag.Range{}
	for name, g := range m.Generators {
		sources[name] = g.Source
		if r, ok := c.Doc.RangeOf(canon.Path{"generators", name, "source"}); ok {
			ranges[name] = r
		}
	}
	return append(generators.All(), custom.Generators(sources, custom.Options{
		Root:    c.Doc.Root,
		Timeout: timeout,
		SourceRange: func(name string) *diag.Range {
			if r, ok := ranges[name]; ok {
				return &r
			}
			return nil
		},
	})...)
}

// structural reports a schema or syntax error: no plan can be derived.
func structural(ds diag.Diagnostics) bool {
	for _, d := range ds {
		if strings.HasPrefix(d.Rule, "SCHEMA-") || strings.HasPrefix(d.Rule, "SYNTAX-") {
			return true
		}
	}
	return false
}

// SchemaDigest fingerprints the embedded schema and rules.
func SchemaDigest() string {
	files := schema.Files()
	h := sha256.New()
	for _, n := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\x00%s\x00", n, files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}
