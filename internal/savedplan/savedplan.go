// Package savedplan is the file `plan --out` writes and `apply PLANFILE`
// and `show` read. A saved plan binds to content: it records the digest of
// every file apply will write, never the files themselves, a folder to
// write them to or their modes. Apply re-renders the topology and refuses
// unless what it would write is exactly what the plan recorded, so an
// edited plan file can make apply do nothing but refuse.
//
// Paths in the file are relative to the plan file's folder, so a plan
// moved together with its checkout, or shown from another folder, still
// names the same topology and artifacts.
package savedplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/planner/plan"
)

// Kind marks a saved plan file.
const Kind = "mobplan-plan"

// FormatVersion is the version of the saved plan's JSON form. Version 1
// held the files' bytes and modes; version 2 holds their digests.
const FormatVersion = "2"

// MaxSize bounds a plan file read (a plan holds digests, not files).
const MaxSize = 64 << 20

// Plan is a saved plan.
type Plan struct {
	Kind          string `json:"kind"`
	FormatVersion string `json:"format_version"`
	ToolVersion   string `json:"tool_version"`
	SchemaDigest  string `json:"schema_digest"`
	InputDigest   string `json:"input_digest"`
	// Topology and ArtifactsDir are relative to the plan file's folder.
	Topology     string `json:"topology"`
	ArtifactsDir string `json:"artifacts_dir"`
	// Inputs are the custom generator programs and their imports, path
	// (relative to the plan file's folder) to sha256.
	Inputs map[string]string `json:"inputs,omitempty"`
	// ArtifactsState is the sha256 of each relevant file in the artifacts
	// directory when the plan was made ("" for absent).
	ArtifactsState map[string]string `json:"artifacts_state"`
	// Files is what apply writes: path to sha256, manifest included.
	Files       map[string]string  `json:"files"`
	Summary     artifacts.Summary  `json:"summary"`
	Changes     []artifacts.Change `json:"changes"`
	Differences []plan.Difference  `json:"differences"`
	// Warnings and Acknowledged are the validation warnings and notes,
	// and the acknowledged findings, when the plan was made: show
	// renders them as plan did.
	Warnings     diag.Diagnostics    `json:"warnings,omitempty"`
	Acknowledged []diag.Acknowledged `json:"acknowledged,omitempty"`
}

// New records the result of a pipeline run, to be saved at file.
func New(file, topology, toolVersion string, r *pipeline.Result) (*Plan, error) {
	state, err := ArtifactsState(r.ArtifactsDir, r.Set)
	if err != nil {
		return nil, err
	}
	base := filepath.Dir(file)
	sp := &Plan{
		Kind: Kind, FormatVersion: FormatVersion, ToolVersion: toolVersion,
		SchemaDigest: pipeline.SchemaDigest(), InputDigest: r.InputDigest,
		Topology: relative(base, topology), ArtifactsDir: relative(base, r.ArtifactsDir),
		ArtifactsState: state, Files: renderedFiles(r.Set),
		Summary: artifacts.Summarize(r.Changes), Changes: artifacts.Pending(r.Changes), Differences: r.Differences,
		Warnings: r.Warnings(), Acknowledged: r.Acknowledged(),
	}
	if sp.Differences == nil {
		sp.Differences = []plan.Difference{}
	}
	if len(r.Inputs) > 0 {
		sp.Inputs = map[string]string{}
		for p, d := range r.Inputs {
			sp.Inputs[relative(base, p)] = d
		}
	}
	return sp, nil
}

// renderedFiles is path to sha256 of every file apply writes (the
// manifest follows from them), or "pending:<why>" for a file whose bytes
// only apply makes: a CSR for a new key, bound by the request templates
// (.cnf, .inf) beside it.
func renderedFiles(s *artifacts.Set) map[string]string {
	out := map[string]string{}
	for _, f := range s.Files {
		out[f.Path] = f.Digest()
		if f.Pending != "" {
			out[f.Path] = pendingPrefix + f.Pending
		}
	}
	return out
}

const pendingPrefix = "pending:"

// Write saves the plan to file.
func Write(file string, sp *Plan) error {
	b, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return nil
}

// ErrNotPlan is returned by Read for a file that is not a saved plan at
// all (a topology file, a folder): the caller may read it as a topology.
var ErrNotPlan = errors.New("not a saved plan")

// CorruptError is a file that is a saved plan but cannot be used.
type CorruptError struct {
	File   string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is a saved plan that cannot be read: %s; run 'mobplan plan --out %s' again", e.File, e.Reason, e.File)
}

// Read reads the saved plan in file. It returns ErrNotPlan when file is
// not one, and a *CorruptError when it is one that does not parse, is of
// another format version, or has a field of the wrong shape.
func Read(file string) (*Plan, error) {
	st, err := os.Stat(file)
	if err != nil || !st.Mode().IsRegular() {
		return nil, ErrNotPlan
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if !looksLikePlan(b) {
		return nil, ErrNotPlan
	}
	if len(b) > MaxSize {
		return nil, &CorruptError{file, fmt.Sprintf("it is larger than %d MiB", MaxSize>>20)}
	}
	var head struct {
		Kind          string `json:"kind"`
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, &CorruptError{file, "it is not valid JSON (" + err.Error() + ")"}
	}
	if head.Kind != Kind {
		return nil, ErrNotPlan
	}
	if head.FormatVersion != FormatVersion {
		return nil, &CorruptError{file, fmt.Sprintf("it is of saved-plan format %q, and this mobplan reads format %q", head.FormatVersion, FormatVersion)}
	}
	var sp Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil {
		return nil, &CorruptError{file, err.Error()}
	}
	if sp.Topology == "" || sp.Files == nil {
		return nil, &CorruptError{file, "it names no topology or no files"}
	}
	return &sp, nil
}

// looksLikePlan tells a saved plan from a JSON topology or any other
// file by its opening: a saved plan starts with its kind.
func looksLikePlan(b []byte) bool {
	head := b[:min(len(b), 256)]
	return bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("{")) && bytes.Contains(head, []byte(`"`+Kind+`"`))
}

// TopologyPath is the topology the plan was made from, as a path usable
// from the current folder.
func (sp *Plan) TopologyPath(file string) string { return resolve(filepath.Dir(file), sp.Topology) }

// ArtifactsPath is the artifacts folder the plan was made for, as a path
// usable from the current folder. Apply never writes there because the
// plan says so: it is compared with the folder apply would use anyway.
func (sp *Plan) ArtifactsPath(file string) string {
	return resolve(filepath.Dir(file), sp.ArtifactsDir)
}

// Stale lists why the plan no longer matches a fresh run of the pipeline
// (r, or the error that run gave); empty when it is current.
func (sp *Plan) Stale(file, toolVersion string, r *pipeline.Result, runErr error) []string {
	var why []string
	if sp.ToolVersion != toolVersion {
		why = append(why, fmt.Sprintf("it was made by mobplan %s, this is %s", sp.ToolVersion, toolVersion))
	}
	if sp.SchemaDigest != pipeline.SchemaDigest() {
		why = append(why, "the schema and rules changed")
	}
	topo := sp.TopologyPath(file)
	if runErr != nil || r == nil {
		why = append(why, fmt.Sprintf("the topology at %s no longer plans (%v)", topo, runErr))
		return why
	}
	if r.InputDigest != sp.InputDigest {
		why = append(why, fmt.Sprintf("the topology at %s changed (or different variables were given)", topo))
	}
	if want, got := filepath.Clean(sp.ArtifactsPath(file)), filepath.Clean(r.ArtifactsDir); !samePath(want, got) {
		why = append(why, fmt.Sprintf("it was made for the artifacts in %s, and this run uses %s (pass --artifacts)", want, got))
	}
	base := filepath.Dir(file)
	inputs := map[string]string{}
	for p, d := range r.Inputs {
		inputs[relative(base, p)] = d
	}
	if sp.Inputs == nil {
		sp.Inputs = map[string]string{}
	}
	if moved := differing(sp.Inputs, inputs); len(moved) > 0 {
		why = append(why, fmt.Sprintf("custom generator programs changed: %v", moved))
	}
	rendered := renderedFiles(r.Set)
	for p, d := range sp.Files {
		// Apply makes the new key the plan could not: any bytes will do.
		if _, ok := rendered[p]; ok && strings.HasPrefix(d, pendingPrefix) {
			rendered[p] = d
		}
	}
	if moved := differing(sp.Files, rendered); len(moved) > 0 {
		why = append(why, fmt.Sprintf("what the topology renders now differs from the plan: %v", moved))
	}
	now, err := ArtifactsState(r.ArtifactsDir, r.Set)
	if err != nil {
		return append(why, err.Error())
	}
	if moved := differing(sp.ArtifactsState, now); len(moved) > 0 {
		why = append(why, fmt.Sprintf("artifacts in %s changed since: %v", r.ArtifactsDir, moved))
	}
	return why
}

// differing lists the keys whose values differ between a and b, or that
// only one has.
func differing(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// ArtifactsState digests the files a plan depends on: every planned path,
// every path the current manifest lists, and the manifest itself.
func ArtifactsState(dir string, set *artifacts.Set) (map[string]string, error) {
	paths := map[string]bool{artifacts.ManifestName: true}
	for _, f := range set.Files {
		paths[f.Path] = true
	}
	m, err := artifacts.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if m != nil {
		for p := range m.Files {
			paths[p] = true
		}
	}
	state := map[string]string{}
	for p := range paths {
		// Confined like apply: a link planted in the artifacts is refused,
		// not followed to a file outside them.
		sum, err := artifacts.FileDigest(dir, p)
		if err != nil {
			return nil, err
		}
		state[p] = sum
	}
	return state, nil
}

// relative is target relative to base, slash-separated; target as it is
// when it cannot be made relative (another volume).
func relative(base, target string) string {
	ab, err1 := filepath.Abs(base)
	at, err2 := filepath.Abs(target)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(target)
	}
	rel, err := filepath.Rel(ab, at)
	if err != nil {
		return filepath.ToSlash(at)
	}
	return filepath.ToSlash(rel)
}

func resolve(base, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}
