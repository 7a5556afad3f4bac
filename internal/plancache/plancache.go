// Package plancache remembers, on this machine, the artifacts states a
// full plan found to need no change, so that the next plan of the same
// topology, by the same build of mobplan, with the same keys, over the
// same artifacts, can say so without rendering them again (rendering is
// deterministic: the same inputs give the same bytes).
//
// The record lives in the user's cache folder, never among the
// artifacts: a manifest can be edited by anyone who can commit, and a
// plan must not take a committed file's word that the artifacts are
// what the topology renders. A record is one digest per artifacts
// folder, so the cache holds a few bytes per folder planned; a missing,
// unreadable or stale record only means a full plan.
package plancache

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/atomicfile"
)

// Inputs is everything a rendering depends on besides the code that
// renders. A topology with custom generators has no Inputs: what their
// programs read is known only once they have run.
type Inputs struct {
	// Tool identifies the build of mobplan (Executable).
	Tool string
	// Schema is the digest of the embedded schema and rules.
	Schema string
	// Topology is the digest of the topology as read (loader ReadDigest).
	Topology string
	// Findings are the validation findings the plan carries, encoded:
	// they move with the date (an acknowledgement expires) as well as
	// with the topology.
	Findings []byte
	// Keys is the digest of the key store (certs.KeyStore.Digest).
	Keys string
	// Artifacts is the artifacts folder's state.
	Artifacts *artifacts.State
}

// Key is the digest of the inputs, as recorded.
func (in Inputs) Key() string {
	h := sha256.New()
	field := func(name, v string) { fmt.Fprintf(h, "%d %s %d %s\n", len(name), name, len(v), v) }
	field("format", "1")
	field("tool", in.Tool)
	field("schema", in.Schema)
	field("topology", in.Topology)
	field("findings", string(in.Findings))
	field("keys", in.Keys)
	field("manifest", string(in.Artifacts.Manifest))
	for _, p := range sortedKeys(in.Artifacts.Files) {
		field("file "+p, in.Artifacts.Files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Cache is the folder records are kept in; "" keeps none.
type Cache struct{ Dir string }

// record is where the record of an artifacts folder is kept: one file
// per folder, named by the digest of its absolute path.
func (c Cache) record(artifactsDir string) (string, bool) {
	if c.Dir == "" {
		return "", false
	}
	abs, err := filepath.Abs(artifactsDir)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(c.Dir, "plans", hex.EncodeToString(sum[:16])), true
}

// Unchanged reports whether key is the one recorded for the folder.
func (c Cache) Unchanged(artifactsDir, key string) bool {
	p, ok := c.record(artifactsDir)
	if !ok {
		return false
	}
	b, err := atomicfile.ReadRegular(p, 1024)
	return err == nil && strings.TrimSpace(string(b)) == key
}

// Record keeps key as the folder's state that needs no change.
func (c Cache) Record(artifactsDir, key string) error {
	p, ok := c.record(artifactsDir)
	if !ok {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(p, []byte(key+"\n"), 0o600)
}

var executable struct {
	once sync.Once
	id   string
	err  error
}

// Executable identifies the running build of mobplan, so a rebuilt
// mobplan (a new generator, a fixed rule) never trusts an older one's
// record, whatever its version says: the Go build ID that cmd/go stamps
// in, made from the build's inputs and its output, else the digest of
// the whole executable.
func Executable() (string, error) {
	executable.once.Do(func() {
		path, err := os.Executable()
		if err != nil {
			executable.err = err
			return
		}
		if id := goBuildID(path); id != "" {
			executable.id = "go build ID " + id
			return
		}
		f, err := os.Open(path)
		if err != nil {
			executable.err = err
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			executable.err = err
			return
		}
		executable.id = "sha256 " + hex.EncodeToString(h.Sum(nil))
	})
	return executable.id, executable.err
}

// goBuildID reads the build ID as `go tool buildid` does: from ELF's
// .note.go.buildid, elsewhere from the marked string the linker puts
// near the start of the text. Only an ID of cmd/go's own form counts
// (action/content digests): one set by hand (-ldflags=-buildid=...)
// need not change from build to build.
func goBuildID(path string) string {
	var id string
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		id = elfBuildID(f)
	} else if f, err := os.Open(path); err == nil {
		defer f.Close()
		head := make([]byte, 32<<10)
		n, _ := io.ReadFull(f, head)
		id = markedBuildID(head[:n])
	}
	parts := strings.Split(id, "/")
	if len(parts) < 2 {
		return ""
	}
	for _, p := range parts {
		if len(p) < 20 || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return ""
		}
	}
	return id
}

func elfBuildID(f *elf.File) string {
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil || len(data) < 12 {
		return ""
	}
	namesz, descsz := int(f.ByteOrder.Uint32(data)), int(f.ByteOrder.Uint32(data[4:]))
	start := 12 + (namesz+3)&^3
	if namesz != 4 || string(data[12:15]) != "Go\x00" || descsz > len(data) || start > len(data)-descsz {
		return ""
	}
	return string(data[start : start+descsz])
}

func markedBuildID(head []byte) string {
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(head, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := head[i+len(prefix):]
	j := bytes.Index(rest, []byte(suffix))
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
