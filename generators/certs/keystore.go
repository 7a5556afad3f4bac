package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// KeyStore is the folder of private keys (Context.KeyDir): mode 0700,
// a .gitignore holding "*" so the keys are never committed, and one
// <name>.key per certificate (PKCS#8 PEM, mode 0600).
type KeyStore struct {
	Dir string
}

// OpenKeyStore creates the key store if needed and tightens its mode.
func OpenKeyStore(dir string) (*KeyStore, error) {
	if dir == "" {
		return nil, fmt.Errorf("certs: no key store folder (Context.KeyDir) given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: key store: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("certs: key store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("certs: key store %s is not a folder", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("certs: key store: %w", err)
		}
	}
	ignore := filepath.Join(dir, ".gitignore")
	if _, err := os.Lstat(ignore); errors.Is(err, fs.ErrNotExist) {
		if err := writeAtomic(dir, ".gitignore", []byte("*\n"), 0o600); err != nil {
			return nil, fmt.Errorf("certs: key store: %w", err)
		}
	}
	return &KeyStore{Dir: dir}, nil
}

// Key returns the key of a certificate, making one if there is none or if
// the stored one no longer has the planned type and size (the plan
// changed: the old key is replaced, and the next request uses the new
// one). keyType is "RSA" or "ECDSA"; bits is the RSA modulus or curve size.
// A key file that cannot be read as a key is an error, never overwritten.
func (s *KeyStore) Key(name, keyType string, bits int) (crypto.Signer, error) {
	path := filepath.Join(s.Dir, name+".key")
	data, err := readKeyFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		key, err := parseKey(data)
		if err != nil {
			return nil, fmt.Errorf("certs: %s: %w (remove it to make a new key)", path, err)
		}
		if matches(key, keyType, bits) {
			return key, nil
		}
	}
	key, err := newKey(keyType, bits)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", name, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	pemData := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writeAtomic(s.Dir, name+".key", pemData, 0o600); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return key, nil
}

// readKeyFile reads a key file that must be a regular file (not a link),
// tightening its mode to 0600 if it is looser.
func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("certs: %s is not a regular file", path)
	}
	if fi.Mode().Perm() != 0o600 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
	}
	return os.ReadFile(path)
}

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
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return keyType == "RSA" && k.N.BitLen() == bits
	case *ecdsa.PrivateKey:
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

// writeAtomic writes dir/name through a 0600 temporary file and a rename,
// so a key is never seen half-written or with a looser mode.
func writeAtomic(dir, name string, data []byte, mode os.FileMode) error {
	return atomicfile.WriteFile(filepath.Join(dir, name), data, mode)
}
