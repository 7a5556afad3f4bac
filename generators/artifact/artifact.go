// Package artifact holds what every generator shares: the input it gets
// and the files it returns.
package artifact

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

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
	// Sum, set in a run that keeps digests only (Context.Finish,
	// Output.File), is the hex sha256 of the bytes let go: Data is nil.
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
	// DigestsOnly says the run only compares: a file is kept as its
	// sha256 (File.Sum), not its bytes (see Finish and NewOutput).
	DigestsOnly bool
}

// Finish is given each file as soon as it is made and returns what to
// keep of it: a generator that makes many files or large ones passes
// each through it, so that a comparison never holds them all at once.
func (c *Context) Finish(f File) File {
	if c != nil && c.DigestsOnly && f.Pending == "" && f.Sum == "" {
		sum := sha256.Sum256(f.Data)
		f.Sum, f.Data = hex.EncodeToString(sum[:]), nil
	}
	return f
}

// NewOutput is a file to write, as large as it grows: its bytes are
// kept, or hashed as they come in a run that keeps digests only.
func (c *Context) NewOutput() *Output { return NewOutput(c != nil && c.DigestsOnly) }

// Output is one file as a generator writes it: its bytes kept, or, with
// digestsOnly, hashed as they come and let go. It can tell how its text
// ends, for a writer that looks back (one blank line, not two).
type Output struct {
	// buf holds the bytes, or, when hashing, those not hashed yet.
	buf  bytes.Buffer
	hash hash.Hash // nil: the bytes are kept
	// tail are the last bytes hashed.
	tail []byte
}

// NewOutput is an empty file that keeps its bytes unless digestsOnly.
func NewOutput(digestsOnly bool) *Output {
	o := &Output{}
	if digestsOnly {
		o.hash = sha256.New()
	}
	return o
}

// tailSize is how many of the last bytes EndsWith sees; spillSize how
// many a hashing output gathers before it hashes them.
const (
	tailSize  = 8
	spillSize = 64 << 10
)

// spill hashes what a hashing output gathered once it is enough.
func (o *Output) spill(all bool) {
	if o.hash == nil || o.buf.Len() < spillSize && !all {
		return
	}
	b := o.buf.Bytes()
	o.hash.Write(b)
	if len(b) >= tailSize {
		o.tail = append(o.tail[:0], b[len(b)-tailSize:]...)
	} else {
		o.tail = append(o.tail, b...)
	}
	o.buf.Reset()
}

func (o *Output) Write(p []byte) (int, error) {
	o.buf.Write(p)
	o.spill(false)
	return len(p), nil
}

func (o *Output) WriteString(s string) (int, error) {
	o.buf.WriteString(s)
	o.spill(false)
	return len(s), nil
}

func (o *Output) WriteByte(b byte) error {
	o.buf.WriteByte(b)
	o.spill(false)
	return nil
}

// EndsWith reports whether what was written ends with s (at most
// tailSize bytes).
func (o *Output) EndsWith(s string) bool {
	if len(s) > tailSize {
		panic("artifact: EndsWith sees the last " + fmt.Sprint(tailSize) + " bytes only")
	}
	if b := o.buf.Bytes(); len(b) >= len(s) || o.hash == nil {
		return bytes.HasSuffix(b, []byte(s))
	}
	return bytes.HasSuffix(append(append([]byte(nil), o.tail...), o.buf.Bytes()...), []byte(s))
}

// Bytes are the bytes written; nil for an output that hashes them.
func (o *Output) Bytes() []byte {
	if o.hash != nil {
		return nil
	}
	return o.buf.Bytes()
}

// File is the output as the file at path: its bytes, or its digest.
func (o *Output) File(path string) File {
	if o.hash != nil {
		o.spill(true)
		return File{Path: path, Sum: hex.EncodeToString(o.hash.Sum(nil))}
	}
	return File{Path: path, Data: o.buf.Bytes()}
}

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
