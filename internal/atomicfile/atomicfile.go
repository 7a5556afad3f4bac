// Package atomicfile puts bytes on disk safely, the same way on every
// operating system: a file is replaced whole (written and synced beside
// it, then renamed over it), folders are synced after the names in them
// change, and a lock file keeps two writers apart.
//
// A reader or a crash sees the old file or the new one, never half of
// each. Temporary files are named by TempPattern, so a run that finds
// one left by a killed predecessor knows it may remove it.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPattern names every temporary file this package creates (for
// os.CreateTemp: the "*" is a random string).
const TempPattern = ".mobplan-*.tmp"

const (
	tempPrefix = ".mobplan-"
	tempSuffix = ".tmp"
)

// IsTemp reports whether the base name name is one TempPattern makes.
func IsTemp(name string) bool {
	return len(name) > len(tempPrefix)+len(tempSuffix) && strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix)
}

// CreateTemp writes data to a new temporary file in dir, with the given
// mode, and syncs it; it returns the file's path. The folder itself is
// not synced: the caller renames the file first, then syncs the folder.
func CreateTemp(dir string, data []byte, mode fs.FileMode) (string, error) {
	// CreateTemp makes the file 0600, so it is never readable with a
	// looser mode than asked for, even for a moment.
	f, err := os.CreateTemp(dir, TempPattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	return name, nil
}

// WriteFile replaces path with data and mode: a temporary file in the
// same folder, synced, renamed over path, then the folder synced so the
// new name survives a power cut. On failure path is as it was.
func WriteFile(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := CreateTemp(dir, data, mode)
	if err != nil {
		return err
	}
	if err := Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

// Rename renames oldpath to newpath, replacing newpath if it exists. On
// Windows a file another process holds open cannot be replaced for a
// moment (a sharing violation, or access denied): Rename retries a
// bounded number of times before giving up.
func Rename(oldpath, newpath string) error {
	return retry(func() error { return os.Rename(oldpath, newpath) })
}

// Remove removes the file path, retrying like Rename on Windows. A file
// that does not exist is not an error.
func Remove(path string) error {
	err := retry(func() error { return os.Remove(path) })
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// SyncDir makes the names in dir durable (after a create, rename or
// remove). Where the system cannot sync a folder (Windows, where a
// rename is durable once it returns on NTFS, and some file systems that
// refuse fsync on a directory) it does nothing.
func SyncDir(dir string) error {
	return syncDir(dir)
}

// ErrLocked is returned (wrapped) by Lock when another holder has the lock.
var ErrLocked = errors.New("lock held by another process")

// Locked is a held lock; Unlock releases it. The lock is released too
// when the process ends, however it ends, so a crash never leaves a
// stale lock behind.
type Locked struct {
	f    *os.File
	path string
}

// Lock takes an exclusive lock on the file path (created if needed)
// without waiting: when another process, or another Lock in this one,
// holds it, the error wraps ErrLocked. A symbolic link or a non-regular
// file at path is refused rather than followed.
func Lock(path string) (*Locked, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("lock %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Locked{f: f, path: path}, nil
}

// Held reports whether another holder has the lock on path now, without
// creating path or keeping the lock: for a reader that must not write
// but should know a writer is at work. An absent path is not held.
func Held(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("lock %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		if errors.Is(err, ErrLocked) {
			return true, nil
		}
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	return false, unlockFile(f)
}

// Unlock releases the lock. The lock file stays: removing it would let
// a third process lock a new file while a second still waits on the old.
func (l *Locked) Unlock() error {
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("unlock %s: %w", l.path, err)
	}
	return nil
}

// NotLinked refuses a symbolic link (or anything but a folder) at any of
// the given folder paths that exist, so that writes meant for the
// topology's state folder (.mobplan: private keys, lab passwords, the lab
// CAs) cannot be redirected elsewhere by a link committed in its place.
func NotLinked(dirs ...string) error {
	for _, d := range dirs {
		fi, err := os.Lstat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link; mobplan keeps private keys and passwords there and follows no link: replace it with a folder", d)
		case !fi.IsDir():
			return fmt.Errorf("%s is not a folder", d)
		}
	}
	return nil
}

// ReadRegular reads path, which must be a regular file (not a link, a
// folder or a device) of at most max bytes. The file opened is checked to
// be the one looked at, so a link swapped in between is refused too.
func ReadRegular(path string, max int64) ([]byte, error) {
	lfi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !lfi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, TypeName(lfi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(lfi, fi) {
		return nil, fmt.Errorf("%s changed while it was opened", path)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}

// TypeName says what a non-regular file is, for error messages.
func TypeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
