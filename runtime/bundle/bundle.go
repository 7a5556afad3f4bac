// Package bundle is the only code of the runtime that reads what apply
// wrote: the manifest, every file it lists (each checked against its
// digest), the plan, the zone files and certificate requests, the
// private keys of the planned certificates and the lab passwords. What it
// returns is what the runtime serves: never a re-derivation.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mobplan/mobplan/internal/labstate"
	"github.com/mobplan/mobplan/planner/plan"
)

// MaxFile bounds every file read (the plan of a hosting provider's
// topology is tens of MB; nothing legitimate is larger).
const MaxFile = 256 << 20

// Options say where the pieces are and what may be served.
type Options struct {
	// ArtifactsDir is the applied artifacts folder.
	ArtifactsDir string
	// StateDir is the topology's state folder (.mobplan): keys/ and the
	// lab passwords.
	StateDir string
	// AllowErrors serves artifacts applied with --allow-errors.
	AllowErrors bool
}

// Bundle is one applied plan, read and checked.
type Bundle struct {
	Plan *plan.Plan
	// PlanDigest is the sha256 of plan.json as applied.
	PlanDigest  string
	ToolVersion string
	// AllowErrors: the artifacts were applied despite validation errors.
	AllowErrors bool
	// Zones are the zone files by view, in plan order.
	Zones map[string][]ZoneFile
	// Requests are the certificate requests (PEM) by certificate name;
	// Keys the matching private keys (PEM) from the key store.
	Requests map[string][]byte
	Keys     map[string][]byte
	// Declared holds, by certificate name, the PEM of a declared
	// certificate that names an existing file; the runtime imitates it.
	Declared map[string][]byte
	// Passwords are the lab passwords by SIP address.
	Passwords map[string]string
	// Files are the other artifacts by path (proxy and HLB configs).
	Files map[string][]byte
}

// ZoneFile is one generated zone file.
type ZoneFile struct {
	Name string
	Kind string
	Data []byte
}

// manifest is the part of manifest.json the runtime needs.
type manifest struct {
	FormatVersion string            `json:"format_version"`
	ToolVersion   string            `json:"tool_version"`
	AllowErrors   bool              `json:"allow_errors"`
	Files         map[string]string `json:"files"`
}

// TamperedError lists the artifacts whose bytes are not what apply wrote.
type TamperedError struct {
	Dir   string
	Paths []string
}

func (e *TamperedError) Error() string {
	return fmt.Sprintf("the artifacts in %s are not what apply wrote (%s); run 'mobplan plan' to see the drift and 'mobplan apply' to restore them", e.Dir, strings.Join(e.Paths, ", "))
}

// ErrAllowErrors is returned for artifacts applied with --allow-errors
// unless Options.AllowErrors.
var ErrAllowErrors = errors.New("the artifacts were applied with --allow-errors: they describe a deployment with rule errors; serve them with --allow-errors to reproduce it")

// Read reads and checks the applied artifacts. Every file the manifest
// lists must be present with its recorded digest; paths are confined to
// the folder and links are not followed.
func Read(o Options) (*Bundle, error) {
	dir := o.ArtifactsDir
	mb, err := readFile(dir, "manifest.json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no applied artifacts (no manifest.json): run 'mobplan apply' first", dir)
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("%s: the manifest is not valid JSON: %w", dir, err)
	}
	if m.FormatVersion != "1" {
		return nil, fmt.Errorf("%s: manifest format %q is not one this mobplan serves", dir, m.FormatVersion)
	}
	if m.AllowErrors && !o.AllowErrors {
		return nil, ErrAllowErrors
	}
	files := map[string][]byte{}
	var tampered []string
	for _, p := range slices.Sorted(maps.Keys(m.Files)) {
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("%s: the manifest lists %q: %w", dir, p, err)
		}
		b, err := readFile(dir, p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				tampered = append(tampered, p+" (missing)")
				continue
			}
			return nil, err
		}
		if digest(b) != m.Files[p] {
			tampered = append(tampered, p)
			continue
		}
		files[p] = b
	}
	if len(tampered) > 0 {
		return nil, &TamperedError{Dir: dir, Paths: tampered}
	}
	pj, ok := files["plan.json"]
	if !ok {
		return nil, fmt.Errorf("%s: the manifest lists no plan.json", dir)
	}
	var p plan.Plan
	if err := json.Unmarshal(pj, &p); err != nil {
		return nil, fmt.Errorf("%s/plan.json: %w", dir, err)
	}
	if p.FormatVersion != plan.FormatVersion {
		return nil, fmt.Errorf("%s/plan.json: plan format %q, this mobplan serves %q: run 'mobplan apply' again", dir, p.FormatVersion, plan.FormatVersion)
	}
	b := &Bundle{Plan: &p, PlanDigest: digest(pj), ToolVersion: m.ToolVersion, AllowErrors: m.AllowErrors,
		Zones: map[string][]ZoneFile{}, Requests: map[string][]byte{}, Keys: map[string][]byte{}, Declared: map[string][]byte{}, Files: map[string][]byte{}}
	for _, z := range p.Zones {
		fp := "dns/" + z.View + "/" + z.Name + ".zone"
		data, ok := files[fp]
		if !ok {
			return nil, fmt.Errorf("%s: the plan has the %s zone %s but the artifacts have no %s", dir, z.View, z.Name, fp)
		}
		b.Zones[z.View] = append(b.Zones[z.View], ZoneFile{Name: z.Name, Kind: z.Kind, Data: data})
	}
	keyDir := filepath.Join(o.StateDir, "keys")
	for _, c := range p.Certificates {
		if c.Existing() {
			// The declared file lives in the topology folder, beside the
			// state folder; it is the deployment's own certificate.
			pemData, err := readFile(filepath.Dir(o.StateDir), filepath.ToSlash(c.File))
			if err != nil {
				return nil, fmt.Errorf("certificate %s: %w", c.Name, err)
			}
			b.Declared[c.Name] = pemData
			continue
		}
		fp := "certs/" + c.Name + ".csr"
		csr, ok := files[fp]
		if !ok {
			return nil, fmt.Errorf("%s: the plan has the certificate %s but the artifacts have no %s", dir, c.Name, fp)
		}
		b.Requests[c.Name] = csr
		key, err := readFile(keyDir, c.Name+".key")
		if err != nil {
			return nil, fmt.Errorf("certificate %s: the key behind %s is not in %s (%v): run 'mobplan apply' on this machine", c.Name, fp, keyDir, err)
		}
		b.Keys[c.Name] = key
	}
	for fp, data := range files {
		if strings.HasPrefix(fp, "proxy/") || strings.HasPrefix(fp, "hlb/") {
			b.Files[fp] = data
		}
	}
	pw, err := labstate.ReadPasswords(o.StateDir)
	if err != nil {
		return nil, err
	}
	b.Passwords = pw.Users
	return b, nil
}

// checkPath refuses a manifest path that could leave the folder.
func checkPath(p string) error {
	if p == "" || path.IsAbs(p) || strings.ContainsAny(p, "\\\x00") || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") {
		return errors.New("not a path inside the artifacts")
	}
	return nil
}

// readFile reads dir/rel (slash-separated) without following a link at
// any component under dir, and only a regular file, bounded in size.
func readFile(dir, rel string) ([]byte, error) {
	if err := checkPath(rel); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	cur := dir
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link: the runtime reads only what apply wrote", cur)
		}
		if i < len(parts)-1 && !fi.IsDir() {
			return nil, fmt.Errorf("%s is not a folder", cur)
		}
		if i == len(parts)-1 && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", cur)
		}
	}
	f, err := os.Open(cur)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", cur, MaxFile>>20)
	}
	return data, nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
