// Package artifact holds what every generator shares: the input it gets
// and the files it returns.
package artifact

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/planner/plan"
)

// File is one generated file, by its slash-separated path relative to the
// artifacts directory (e.g. "dns/internal/contoso.com.zone").
type File struct {
	Path string
	Data []byte
	// Mode is the file mode; 0 means 0644.
	Mode uint32
	// Pending, when set, says why the bytes cannot be known before apply
	// (e.g. "new key and CSR on apply": plan makes no keys); Data is nil.
	Pending string
	// Sum, set by Context.Finish in a run that keeps digests only, is
	// the sha256 of the bytes it let go: Data is nil.
	Sum string
}

// KeySource gives the certificate generator private keys: the stored
// ones, and new ones where the run may make them (apply, not plan).
type KeySource interface {
	// Stored returns the stored key of a certificate when it has the
	// planned type and size; nil, nil when there is none that fits.
	Stored(name, keyType string, bits int) (crypto.Signer, error)
	// Make returns a new key for a certificate, to be stored by apply, or
	// ErrKeysReadOnly when this run makes no keys.
	Make(name, keyType string, bits int) (crypto.Signer, error)
}

// ErrKeysReadOnly is KeySource.Make's answer during plan: only apply,
// under its lock, creates or rotates a key.
var ErrKeysReadOnly = errors.New("keys are made only by apply")

// Context is a generator's input. Generators never read topology files
// and never write: they return files, and apply writes them.
type Context struct {
	Plan *plan.Plan
	// Previous returns the current bytes of a path in the artifacts
	// directory, or nil. The DNS generator uses it to keep a zone's SOA
	// serial unless the zone's content changed.
	Previous func(path string) []byte
	// PreviousPlan returns the plan the last apply wrote (plan.json among
	// the artifacts), or nil; it may wait and decode, so only a generator
	// that needs it calls it. The DNS generator removes on Windows DNS
	// what that plan had and this one does not.
	PreviousPlan func() *plan.Plan
	// Keys are the certificates' private keys (the key store, default
	// .mobplan/keys beside the topology, outside the artifacts directory).
	// Only the certificate generator uses them; nil means no key store.
	Keys KeySource
	// ToolVersion is mobplan's version, for headers.
	ToolVersion string
	// Inputs, when not nil, collects the files a generator read from the
	// topology folder (custom generator programs and their imports), by
	// path, with their sha256: a saved plan is stale when one changes.
	Inputs map[string]string
	// Done, when set, is what Finish does with each file (a run that
	// only compares keeps its digest, not its bytes).
	Done func(File) File
}

// Finish is given each file as soon as it is made and returns what to
// keep of it: a generator that makes many files or large ones passes
// each through it, so that a comparison never holds them all at once.
func (c *Context) Finish(f File) File {
	if c.Done == nil {
		return f
	}
	return c.Done(f)
}

// Generator produces one family of artifacts.
type Generator struct {
	Name     string
	Generate func(ctx *Context) ([]File, error)
}

// DiagnosticsError is a generator failure that points at the user's own
// files (a custom generator program), so it is reported like a
// validation problem rather than as a bare error.
type DiagnosticsError struct {
	Diagnostics diag.Diagnostics
	// Sources holds the bytes of the files the diagnostics quote.
	Sources map[string][]byte
}

func (e *DiagnosticsError) Error() string {
	switch len(e.Diagnostics) {
	case 0:
		return "generator failed"
	case 1:
		return e.Diagnostics[0].String()
	}
	return fmt.Sprintf("%s (and %d more)", e.Diagnostics[0].String(), len(e.Diagnostics)-1)
}
