// Package artifact holds what every generator shares: the input it gets
// and the files it returns.
package artifact

import "github.com/mobplan/mobplan/planner"

// File is one generated file, by its slash-separated path relative to the
// artifacts directory (e.g. "dns/internal/contoso.com.zone").
type File struct {
	Path string
	Data []byte
	// Mode is the file mode; 0 means 0644.
	Mode uint32
}

// Context is a generator's input. Generators never read topology files
// and never write: they return files, and apply writes them.
type Context struct {
	Plan *planner.Plan
	// Previous returns the current bytes of a path in the artifacts
	// directory, or nil. The DNS generator uses it to keep a zone's SOA
	// serial unless the zone's content changed.
	Previous func(path string) []byte
	// KeyDir is the private key store (default .mobplan/keys beside the
	// topology), outside the artifacts directory. Only the certificate
	// generator uses it.
	KeyDir string
	// ToolVersion is mobplan's version, for headers.
	ToolVersion string
}

// Generator produces one family of artifacts.
type Generator struct {
	Name     string
	Generate func(ctx *Context) ([]File, error)
}
