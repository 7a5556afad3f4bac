// Command release cross-builds mobplan for every platform it ships for,
// stamps each binary with the version and commit, checks what it built
// and writes SHA256SUMS:
//
//	go run ./cmd/release -o dist
//
// The version is `git describe --tags --always --dirty` unless -version
// is given; a checkout without git history builds as "dev".
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// The platforms a release ships for: administrators run Windows, some
// macOS, and CI and the lab Linux.
var defaultTargets = []string{
	"windows/amd64", "windows/arm64",
	"darwin/amd64", "darwin/arm64",
	"linux/amd64", "linux/arm64",
}

const (
	mainPkg  = "./cmd/mobplan"
	cliPkg   = "github.com/mobplan/mobplan/internal/cli"
	sumsFile = "SHA256SUMS"
)

type options struct {
	out     string
	root    string // the module's folder, where the go command runs
	version string
	commit  string
	targets []string
}

func main() {
	var o options
	var targets string
	flag.StringVar(&o.out, "o", "dist", "folder to write the binaries and "+sumsFile+" to")
	flag.StringVar(&o.version, "version", "", "version to stamp (default: git describe --tags --always --dirty)")
	flag.StringVar(&o.commit, "commit", "", "commit to stamp (default: git rev-parse HEAD)")
	flag.StringVar(&targets, "targets", strings.Join(defaultTargets, ","), "comma-separated GOOS/GOARCH list")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "release: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	o.targets = strings.Split(targets, ",")
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

// artifact is one built binary.
type artifact struct {
	goos, goarch string
	name         string // file name inside the output folder
}

func run(ctx context.Context, o options, log io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	o.root = root
	if o.version == "" {
		o.version = gitOutput(ctx, root, "describe", "--tags", "--always", "--dirty")
	}
	if o.version == "" {
		o.version = "dev"
	}
	if o.commit == "" {
		o.commit = gitOutput(ctx, root, "rev-parse", "HEAD")
	}
	if o.commit == "" {
		o.commit = "unknown"
	}
	// The values go into -ldflags, which the go command splits at spaces.
	for _, v := range []string{o.version, o.commit} {
		if v == "" || strings.ContainsAny(v, " \t\r\n'\"") {
			return fmt.Errorf("version and commit must be one word without quotes, got %q", v)
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	var built []artifact
	for _, t := range o.targets {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(t), "/")
		if !ok || goos == "" || goarch == "" {
			return fmt.Errorf("target %q: want GOOS/GOARCH", t)
		}
		a := artifact{goos: goos, goarch: goarch, name: binaryName(goos, goarch)}
		fmt.Fprintf(log, "build %s/%s -> %s\n", goos, goarch, filepath.Join(o.out, a.name))
		if err := build(ctx, o, a); err != nil {
			return err
		}
		if err := check(ctx, o, a); err != nil {
			return err
		}
		built = append(built, a)
	}
	return writeSums(o.out, built)
}

// binaryName is mobplan-<os>-<arch>, with .exe on Windows.
func binaryName(goos, goarch string) string {
	n := "mobplan-" + goos + "-" + goarch
	if goos == "windows" {
		n += ".exe"
	}
	return n
}

// ldflags stamps the version and commit, and leaves out the symbol
// table and the build ID so that the same source gives the same bytes.
func ldflags(o options) string {
	return fmt.Sprintf("-s -w -buildid= -X %s.Version=%s -X %s.Commit=%s", cliPkg, o.version, cliPkg, o.commit)
}

func build(ctx context.Context, o options, a artifact) error {
	out, err := filepath.Abs(filepath.Join(o.out, a.name))
	if err != nil {
		return fmt.Errorf("build %s/%s: %w", a.goos, a.goarch, err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags(o), "-o", out, mainPkg)
	cmd.Dir = o.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+a.goos, "GOARCH="+a.goarch)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s/%s: %w", a.goos, a.goarch, err)
	}
	return nil
}

// check reads the build information of a binary back and, for the
// platform this runs on, runs `mobplan version`: a release never ships
// a binary for the wrong platform or without its version.
func check(ctx context.Context, o options, a artifact) error {
	path := filepath.Join(o.out, a.name)
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", a.name, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{"GOOS": a.goos, "GOARCH": a.goarch, "CGO_ENABLED": "0", "-trimpath": "true"}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if settings[k] != want[k] {
			return fmt.Errorf("check %s: build setting %s is %q, want %q", a.name, k, settings[k], want[k])
		}
	}
	// The go command does not record -ldflags with -trimpath, so look for
	// the stamped value itself; the host's binary is also run below.
	bin, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", a.name, err)
	}
	if !bytes.Contains(bin, []byte(o.version)) || !bytes.Contains(bin, []byte(o.commit)) {
		return fmt.Errorf("check %s: the binary does not hold the stamped version %s and commit %s", a.name, o.version, o.commit)
	}
	if a.goos != runtime.GOOS || a.goarch != runtime.GOARCH {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", a.name, err)
	}
	out, err := exec.CommandContext(ctx, abs, "version", "--format", "json").Output()
	if err != nil {
		return fmt.Errorf("check %s: mobplan version: %w", a.name, err)
	}
	var v struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("check %s: mobplan version --format json: %w", a.name, err)
	}
	if v.Version != o.version || v.Commit != o.commit {
		return fmt.Errorf("check %s: reports version %s commit %s, want %s %s", a.name, v.Version, v.Commit, o.version, o.commit)
	}
	return nil
}

// writeSums writes SHA256SUMS in the format `sha256sum -c` reads.
func writeSums(dir string, built []artifact) error {
	var b bytes.Buffer
	sort.Slice(built, func(i, j int) bool { return built[i].name < built[j].name })
	for _, a := range built {
		sum, err := fileSHA256(filepath.Join(dir, a.name))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, a.name)
	}
	if err := os.WriteFile(filepath.Join(dir, sumsFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", sumsFile, err)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// moduleRoot is the folder of mobplan's go.mod, so that the release can
// be run from anywhere inside the checkout.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the mobplan module (no go.mod)")
	}
	return filepath.Dir(mod), nil
}

// gitOutput runs git and returns its trimmed output, or "" when git or
// the history is not there (a source archive).
func gitOutput(ctx context.Context, dir string, args ...string) string {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
