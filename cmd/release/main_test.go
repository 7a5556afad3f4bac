package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The release build of this machine's platform (the others take minutes
// each; CI builds them all): the binary carries its platform and
// version, reports the stamped version, and SHA256SUMS lists it.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mobplan twice")
	}
	dir := t.TempDir()
	var log bytes.Buffer
	o := options{out: dir, version: "v9.8.7-test", commit: "0123abc", targets: []string{runtime.GOOS + "/" + runtime.GOARCH}}
	if err := run(context.Background(), o, &log); err != nil {
		t.Fatalf("release: %v\n%s", err, log.String())
	}
	sums, err := os.ReadFile(filepath.Join(dir, sumsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 1 {
		t.Fatalf("%s has %d lines, want 1:\n%s", sumsFile, len(lines), sums)
	}
	for _, l := range lines {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok || len(sum) != 64 {
			t.Errorf("%s line %q is not '<sha256>  <file>'", sumsFile, l)
			continue
		}
		got, err := fileSHA256(filepath.Join(dir, name))
		if err != nil || got != sum {
			t.Errorf("%s: %s says %s, file has %s (%v)", name, sumsFile, sum, got, err)
		}
	}
	host := binaryName(runtime.GOOS, runtime.GOARCH)
	// A binary taken for another platform's, or stamped otherwise, is refused.
	wrong := artifact{goos: runtime.GOOS, goarch: "riscv64", name: host}
	if err := check(context.Background(), o, wrong); err == nil || !strings.Contains(err.Error(), "GOARCH") {
		t.Errorf("check of a binary for another platform: %v, want a GOARCH mismatch", err)
	}
	o2 := o
	o2.version = "v0.0.0-other"
	if err := check(context.Background(), o2, artifact{goos: runtime.GOOS, goarch: runtime.GOARCH, name: host}); err == nil || !strings.Contains(err.Error(), "stamped version") {
		t.Errorf("check against another version: %v, want a version mismatch", err)
	}
}

func TestRefusesBadValues(t *testing.T) {
	o := options{out: t.TempDir(), version: "v1 -X evil", commit: "c", targets: []string{"linux/amd64"}}
	if err := run(context.Background(), o, &bytes.Buffer{}); err == nil {
		t.Fatal("a version with spaces was accepted")
	}
	o.version = "v1"
	o.targets = []string{"linux"}
	if err := run(context.Background(), o, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "GOOS/GOARCH") {
		t.Fatalf("a target without GOARCH: %v", err)
	}
}

func TestBinaryName(t *testing.T) {
	if got := binaryName("windows", "arm64"); got != "mobplan-windows-arm64.exe" {
		t.Errorf("windows name %q", got)
	}
	if got := binaryName("darwin", "arm64"); got != "mobplan-darwin-arm64" {
		t.Errorf("darwin name %q", got)
	}
}
