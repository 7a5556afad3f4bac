// Package labstate is the lab state apply keeps beside the key store and
// the runtime reads: the topology's lab passwords. It is never under the
// artifacts, never in a plan, digest or output.
package labstate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// PasswordsFile is where apply keeps the topology's lab passwords,
// beside the key store and, like it, never under the artifacts: the lab
// runtime signs users in with them, and nothing else reads them.
const PasswordsFile = "lab-passwords.json"

// maxPasswordsFile bounds what is read back: far more than the passwords
// of the largest topology a file may hold (16 MiB).
const maxPasswordsFile = 64 << 20

// Passwords is the file's content: SIP address (bare, lower case) to
// lab password.
type Passwords struct {
	FormatVersion string            `json:"format_version"`
	Users         map[string]string `json:"users"`
}

// WritePasswords replaces dir/lab-passwords.json (0600, folder 0700)
// when its content changes; with no lab password it removes the file.
func WritePasswords(dir string, lp *Passwords) error {
	path := filepath.Join(dir, PasswordsFile)
	if lp == nil {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	b, err := json.MarshalIndent(lp, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := atomicfile.NotLinked(dir); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	if old, err := atomicfile.ReadRegular(path, maxPasswordsFile); err == nil && bytes.Equal(old, b) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	return atomicfile.WriteFile(path, b, 0o600)
}

// ReadPasswords reads the lab passwords apply kept in the state
// folder; an empty set when there are none.
func ReadPasswords(dir string) (*Passwords, error) {
	if err := atomicfile.NotLinked(dir); err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	b, err := atomicfile.ReadRegular(filepath.Join(dir, PasswordsFile), maxPasswordsFile)
	if os.IsNotExist(err) {
		return &Passwords{FormatVersion: "1", Users: map[string]string{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var lp Passwords
	if err := json.Unmarshal(b, &lp); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PasswordsFile), err)
	}
	return &lp, nil
}
