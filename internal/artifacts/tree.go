package artifacts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// tree is an artifacts directory. The directory itself is resolved once
// (it may be a link, say to a deployment share); nothing below it is
// followed: every folder on the way to a file must be a real folder and
// every file a regular file, checked with Lstat, so a link planted
// inside the artifacts cannot redirect a read, a write or a delete.
type tree struct {
	// dir is the directory as the user named it, for messages.
	dir string
	// root is dir with its links resolved; "" when dir does not exist.
	root string
}

// openTree resolves dir; a directory that does not exist is an empty tree.
func openTree(dir string) (*tree, error) {
	t := &tree{dir: dir}
	root, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("artifacts directory %s: %w", dir, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("artifacts directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("artifacts directory %s is not a folder", dir)
	}
	t.root = root
	return t, nil
}

// abs is the operating system path of the slash-separated rel.
func (t *tree) abs(rel string) string {
	return filepath.Join(t.root, filepath.FromSlash(rel))
}

// show names rel for a message, below the directory the user named.
func (t *tree) show(rel string) string {
	return filepath.Join(t.dir, filepath.FromSlash(rel))
}

// notFollowed is the error for a link or special file met below the root.
func (t *tree) notFollowed(rel string, fi fs.FileInfo, want string) error {
	what := "a " + fi.Mode().Type().String() + " file"
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case fi.IsDir():
		what = "a folder"
	case fi.Mode().IsRegular():
		what = "a file"
	}
	return fmt.Errorf("%s is %s, not %s: mobplan does not follow links or write through special files inside the artifacts directory; move it away", t.show(rel), what, want)
}

// folders checks every folder on the way to the file rel (not rel
// itself). It returns the folders that do not exist yet, outermost
// first; each existing one must be a real folder.
func (t *tree) folders(rel string) ([]string, error) {
	var chain []string
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		chain = append([]string{d}, chain...)
	}
	if t.root == "" {
		return chain, nil
	}
	for i, d := range chain {
		fi, err := os.Lstat(t.abs(d))
		if errors.Is(err, fs.ErrNotExist) {
			return chain[i:], nil
		}
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			return nil, t.notFollowed(d, fi, "a folder")
		}
	}
	return nil, nil
}

// stat returns the regular file rel, or nil when it does not exist.
func (t *tree) stat(rel string) (fs.FileInfo, error) {
	missing, err := t.folders(rel)
	if err != nil || len(missing) > 0 || t.root == "" {
		return nil, err
	}
	fi, err := os.Lstat(t.abs(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, t.notFollowed(rel, fi, "a regular file")
	}
	return fi, nil
}

// read returns the bytes and mode of the regular file rel; nil data and
// a nil error when it does not exist.
func (t *tree) read(rel string) ([]byte, fs.FileMode, bool, error) {
	f, fi, err := t.open(rel)
	if err != nil || f == nil {
		return nil, 0, false, err
	}
	defer f.Close()
	// Sized from the open file, so a large artifact is read in one
	// allocation (one said to be huge grows as it is read instead).
	var buf bytes.Buffer
	buf.Grow(int(min(fi.Size(), 64<<20)) + bytes.MinRead)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, 0, false, err
	}
	b := buf.Bytes()
	return b, fi.Mode().Perm(), true, nil
}

// open opens the regular file rel for reading; nil when it does not
// exist.
func (t *tree) open(rel string) (*os.File, fs.FileInfo, error) {
	fi, err := t.stat(rel)
	if err != nil || fi == nil {
		return nil, nil, err
	}
	f, err := os.Open(t.abs(rel))
	if err != nil {
		return nil, nil, err
	}
	// The file opened must be the one checked, not a link swapped in
	// since the Lstat.
	ofi, err := f.Stat()
	if err != nil || !os.SameFile(fi, ofi) {
		f.Close()
		return nil, nil, fmt.Errorf("%s changed while being read", t.show(rel))
	}
	return f, ofi, nil
}

// digest is the sha256 of the file rel, "" when it does not exist.
func (t *tree) digest(rel string) (string, error) {
	sum, _, _, err := t.sum(rel)
	return sum, err
}

// diskSum is what sum returns, kept for one file.
type diskSum struct {
	sum    string
	mode   fs.FileMode
	exists bool
	err    error
}

// sum is read without the bytes: the sha256 and mode of the regular
// file rel, streamed through a pooled buffer.
func (t *tree) sum(rel string) (string, fs.FileMode, bool, error) {
	sum, fi, err := t.sumStat(rel)
	if err != nil || fi == nil {
		return "", 0, false, err
	}
	return sum, fi.Mode().Perm(), true, nil
}

// sumStat is sum with the file's information as it was opened (nil
// when it does not exist).
func (t *tree) sumStat(rel string) (string, fs.FileInfo, error) {
	f, fi, err := t.open(rel)
	if err != nil || f == nil {
		return "", nil, err
	}
	defer f.Close()
	h := sha256.New()
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	if _, err := io.CopyBuffer(h, onlyReader{f}, *buf); err != nil {
		return "", nil, err
	}
	return hex.EncodeToString(h.Sum(nil)), fi, nil
}

// bufPool holds digest's read buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// onlyReader hides the file's WriteTo, so CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }

// removeEmptyFolders removes the folder rel and then each parent while
// they are empty, never the root; it returns the folders whose entries
// changed (to be synced).
func (t *tree) removeEmptyFolders(rel string) []string {
	var touched []string
	for d := rel; d != "." && d != ""; d = path.Dir(d) {
		fi, err := os.Lstat(t.abs(d))
		if err != nil || !fi.IsDir() {
			break
		}
		if err := os.Remove(t.abs(d)); err != nil {
			break
		}
		touched = append(touched, path.Dir(d))
	}
	return touched
}

// FileDigest is the sha256 of the artifact rel below dir, read as
// ReadFile reads it (the manifest too) but streamed; "" when it does not
// exist.
func FileDigest(dir, rel string) (string, error) {
	t, err := openArtifact(dir, rel)
	if err != nil {
		return "", err
	}
	return t.digest(rel)
}

// openArtifact is the tree of dir, for reading the artifact rel (or the
// manifest) that checkPath allows.
func openArtifact(dir, rel string) (*tree, error) {
	if rel != ManifestName {
		if err := checkPath(rel); err != nil {
			return nil, err
		}
	}
	return openTree(dir)
}

// ReadFile reads the artifact rel (slash-separated) below dir without
// following a link or reading a special file on the way, as Diff and
// Apply do; nil data and a nil error when it does not exist. The
// manifest may be read too.
func ReadFile(dir, rel string) ([]byte, error) {
	t, err := openArtifact(dir, rel)
	if err != nil {
		return nil, err
	}
	b, _, _, err := t.read(rel)
	return b, err
}
