package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/atomicfile"
)

// KeyStore is the folder of private keys: mode 0700, a .gitignore holding
// "*" so the keys are never committed, and one <name>.key per certificate
// (PKCS#8 PEM, mode 0600).
//
// Reading never changes the store. Keys a run makes (apply only: a store
// opened for plan refuses to make any) are kept in memory until Commit,
// which apply calls under its lock once every check has passed. A key
// that is replaced is never deleted: it is kept as <name>.<digest>.key.
type KeyStore struct {
	Dir     string
	mayMake bool

	mu   sync.Mutex
	made map[string][]byte // name -> PEM of a key made by this run
}

var _ artifact.KeySource = (*KeyStore)(nil)

// NewKeyStore opens the key store in dir; with mayMake it makes the keys
// that are missing or no longer fit (apply), otherwise it refuses to
// (plan). Nothing is read or written until a key is asked for.
func NewKeyStore(dir string, mayMake bool) *KeyStore {
	return &KeyStore{Dir: dir, mayMake: mayMake, made: map[string][]byte{}}
}

// Stored returns the stored key of name when it has the planned type and
// size, and nil, nil when there is none or it no longer fits. A key made
// by this run counts as stored. A file that cannot be read as a key is an
// error, never replaced.
func (s *KeyStore) Stored(name, keyType string, bits int) (crypto.Signer, error) {
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	pemData, ok := s.made[name]
	s.mu.Unlock()
	if !ok {
		if err := atomicfile.NotLinked(filepath.Dir(s.Dir), s.Dir); err != nil {
			return nil, fmt.Errorf("certs: key store: %w", err)
		}
		data, err := readKeyFile(filepath.Join(s.Dir, name+".key"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		pemData = data
	}
	key, err := parseKey(pemData)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w (remove it to make a new key)", filepath.Join(s.Dir, name+".key"), err)
	}
	if !matches(key, keyType, bits) {
		return nil, nil
	}
	return key, nil
}

// Make makes a new key for name, kept until Commit; ErrKeysReadOnly when
// the store was opened for plan.
func (s *KeyStore) Make(name, keyType string, bits int) (crypto.Signer, error) {
	if !s.mayMake {
		return nil, artifact.ErrKeysReadOnly
	}
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	key, err := newKey(keyType, bits)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", name, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.made[name] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	s.mu.Unlock()
	return key, nil
}

// Digest fingerprints what the store holds, read as Stored reads it (the
// folders checked for links, each key file a regular file): every
// entry's name and mode and each key file's bytes. It identifies the
// keys a plan used, for the plan cache; it stays on this machine.
func (s *KeyStore) Digest() (string, error) {
	if err := atomicfile.NotLinked(filepath.Dir(s.Dir), s.Dir); err != nil {
		return "", fmt.Errorf("certs: key store: %w", err)
	}
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		entries, err = nil, nil
	}
	if err != nil {
		return "", fmt.Errorf("certs: key store: %w", err)
	}
	h := sha256.New()
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			return "", fmt.Errorf("certs: key store: %w", err)
		}
		fmt.Fprintf(h, "%d %s %v\n", len(e.Name()), e.Name(), fi.Mode())
		if fi.Mode().IsRegular() {
			data, err := readKeyFile(filepath.Join(s.Dir, e.Name()))
			if err != nil {
				return "", err
			}
			sum := sha256.Sum256(data)
			h.Write(sum[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Made lists the names of the keys this run made, sorted.
func (s *KeyStore) Made() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.made))
	for n := range s.made {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Commit writes the keys this run made into the store: the folder is
// made 0700 with its .gitignore, each key is written whole (0600, synced,
// renamed into place) and a key it replaces is first renamed to
// <name>.<first 12 hex digits of its sha256>.key, so no key is ever lost.
func (s *KeyStore) Commit() error {
	names := s.Made()
	if len(names) == 0 {
		if _, err := os.Lstat(s.Dir); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	if err := s.prepare(); err != nil {
		return err
	}
	for _, name := range names {
		path := filepath.Join(s.Dir, name+".key")
		if old, err := readKeyFile(path); err == nil {
			sum := sha256.Sum256(old)
			kept := filepath.Join(s.Dir, name+"."+hex.EncodeToString(sum[:6])+".key")
			if err := os.Rename(path, kept); err != nil {
				return fmt.Errorf("certs: keeping the replaced key %s: %w", path, err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		s.mu.Lock()
		data := s.made[name]
		s.mu.Unlock()
		if err := writeAtomic(s.Dir, name+".key", data, 0o600); err != nil {
			return fmt.Errorf("certs: %w", err)
		}
		s.mu.Lock()
		delete(s.made, name)
		s.mu.Unlock()
	}
	return nil
}

// prepare makes the store's folder (0700) and its .gitignore.
func (s *KeyStore) prepare() error {
	if s.Dir == "" {
		return fmt.Errorf("certs: no key store folder given")
	}
	// Neither the store nor the state folder above it may be a link: a
	// link committed as .mobplan would send private keys elsewhere.
	if err := atomicfile.NotLinked(filepath.Dir(s.Dir), s.Dir); err != nil {
		return fmt.Errorf("certs: key store: %w", err)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("certs: key store: %w", err)
	}
	fi, err := os.Lstat(s.Dir)
	if err != nil {
		return fmt.Errorf("certs: key store: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("certs: key store %s is not a folder", s.Dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(s.Dir, 0o700); err != nil {
			return fmt.Errorf("certs: key store: %w", err)
		}
	}
	// Keys copied in with a looser mode are tightened (where modes mean
	// something: not on Windows).
	if runtime.GOOS != "windows" {
		entries, err := os.ReadDir(s.Dir)
		if err != nil {
			return fmt.Errorf("certs: key store: %w", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".key") {
				if fi, err := e.Info(); err == nil && fi.Mode().Perm() != 0o600 {
					if err := os.Chmod(filepath.Join(s.Dir, e.Name()), 0o600); err != nil {
						return fmt.Errorf("certs: key store: %w", err)
					}
				}
			}
		}
	}
	ignore := filepath.Join(s.Dir, ".gitignore")
	if _, err := os.Lstat(ignore); errors.Is(err, fs.ErrNotExist) {
		if err := writeAtomic(s.Dir, ".gitignore", []byte("*\n"), 0o600); err != nil {
			return fmt.Errorf("certs: key store: %w", err)
		}
	}
	return nil
}

// checkKeyName refuses a name that is not a plain file stem.
func checkKeyName(name string) error {
	if !safeName.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("certs: certificate name %q is not a safe file name", name)
	}
	return nil
}

// readKeyFile reads a key file that must be a regular file (not a link),
// of at most 1 MiB (a 4096-bit PKCS#8 key is about 3 KB). Reading never
// changes the store; apply's Commit tightens modes.
func readKeyFile(path string) ([]byte, error) { return atomicfile.ReadRegular(path, 1<<20) }

func parseKey(data []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("not a PKCS#8 PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
	return s, nil
}

func matches(key crypto.Signer, keyType string, bits int) bool {
	return publicMatches(key.Public(), keyType, bits)
}

// publicMatches reports whether a public key has the planned type and size.
func publicMatches(pub crypto.PublicKey, keyType string, bits int) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return (keyType == "RSA" || keyType == "") && k.N.BitLen() == bits
	case *ecdsa.PublicKey:
		return keyType == "ECDSA" && k.Curve.Params().BitSize == bits
	}
	return false
}

// newKey makes a key from crypto/rand.
func newKey(keyType string, bits int) (crypto.Signer, error) {
	switch keyType {
	case "RSA", "":
		return rsa.GenerateKey(rand.Reader, bits)
	case "ECDSA":
		curves := map[int]elliptic.Curve{256: elliptic.P256(), 384: elliptic.P384(), 521: elliptic.P521()}
		c, ok := curves[bits]
		if !ok {
			return nil, fmt.Errorf("no ECDSA curve of %d bits", bits)
		}
		return ecdsa.GenerateKey(c, rand.Reader)
	}
	return nil, fmt.Errorf("unsupported key type %q", keyType)
}

// writeAtomic writes dir/name whole (internal/atomicfile), so a key is
// never seen half-written or with a looser mode.
func writeAtomic(dir, name string, data []byte, mode os.FileMode) error {
	return atomicfile.WriteFile(filepath.Join(dir, name), data, mode)
}
