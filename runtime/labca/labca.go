// Package labca is the lab runtime's certificate authority: a lab public
// CA and a lab internal CA, kept in the state directory, that sign the
// generated certificate requests so every lab TLS endpoint presents
// exactly the planned subject, SANs, key and EKU, issued by the issuer
// the plan names.
//
// The CAs are made once, in <state>/ca/ (folder 0700):
//
//	public.crt    public.key    the lab public CA
//	internal.crt  internal.key  the lab internal CA
//
// Certificates are PEM, keys PKCS#8 PEM (0600). Later runs reuse them,
// so the certificate paths are stable and a client told to trust one
// keeps trusting it. A CA file is never overwritten: a broken one (not a
// regular file, unreadable, a key that does not match its certificate,
// half a pair) is an error naming it, to be removed by hand. The CAs'
// names say they are for the lab only; they carry no name constraints
// (the planned names are real domains), so a device that trusts one
// should stop trusting it when the lab is done.
//
// Callers hold the state directory's lock: two runs creating the CAs at
// the same moment never overwrite each other, but the later one fails.
package labca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// Issuer names, as in the plan's Certificate.Issuer.
const (
	Public   = "public"
	Internal = "internal"
)

// PoolAll is Pool's name for trusting both lab CAs.
const PoolAll = "all"

// caLifetime is how long a lab CA is valid from its creation.
const caLifetime = 10 * 365 * 24 * time.Hour

// maxCAFile bounds what is read from a CA file.
const maxCAFile = 1 << 20

// Authorities are the two lab CAs. They are read-only once opened and
// safe for concurrent use.
type Authorities struct {
	dir      string
	public   *authority
	internal *authority
}

// authority is one CA: its certificate, key and files.
type authority struct {
	issuer   string
	certFile string
	keyFile  string
	cert     *x509.Certificate
	key      crypto.Signer
}

// Open returns the lab CAs of stateDir, making in <stateDir>/ca/ the ones
// that do not exist yet.
func Open(stateDir string) (*Authorities, error) {
	if stateDir == "" {
		return nil, fmt.Errorf("labca: no state directory given")
	}
	dir := filepath.Join(stateDir, "ca")
	if err := prepareDir(stateDir, dir); err != nil {
		return nil, err
	}
	a := &Authorities{dir: dir}
	var err error
	if a.public, err = openAuthority(dir, Public); err != nil {
		return nil, err
	}
	if a.internal, err = openAuthority(dir, Internal); err != nil {
		return nil, err
	}
	// A client trusting only the public CA must not trust what the
	// internal one signs: they must be two CAs, told apart by name too
	// (chains are built by issuer name).
	if samePublicKey(a.public.cert.PublicKey, a.internal.cert.PublicKey) {
		return nil, fmt.Errorf("labca: %s and %s have the same key; remove one pair to make a new CA", a.public.certFile, a.internal.certFile)
	}
	if string(a.public.cert.RawSubject) == string(a.internal.cert.RawSubject) {
		return nil, fmt.Errorf("labca: %s and %s have the same subject; remove one pair to make a new CA", a.public.certFile, a.internal.certFile)
	}
	return a, nil
}

// Dir is the folder that holds the CA files.
func (a *Authorities) Dir() string { return a.dir }

// CertFile is the path of the certificate (PEM) of the issuer "public"
// or "internal", for clients to trust; "" for any other name.
func (a *Authorities) CertFile(issuer string) string {
	if ca, err := a.authority(issuer); err == nil {
		return ca.certFile
	}
	return ""
}

// CertFiles maps each issuer name to its certificate's path (runtime.json
// lists them).
func (a *Authorities) CertFiles() map[string]string {
	return map[string]string{Public: a.public.certFile, Internal: a.internal.certFile}
}

// Certificate is the CA certificate of the issuer "public" or
// "internal"; nil for any other name.
func (a *Authorities) Certificate(issuer string) *x509.Certificate {
	if ca, err := a.authority(issuer); err == nil {
		return ca.cert
	}
	return nil
}

// Pool returns a new pool of the CAs a client trusts: "public" (a phone
// without the enterprise root) or "all" (a domain-joined client). Any
// other name gives an empty pool, which trusts nothing (never nil, which
// crypto/tls would read as the system roots).
func (a *Authorities) Pool(which string) *x509.CertPool {
	p := x509.NewCertPool()
	switch which {
	case Public:
		p.AddCert(a.public.cert)
	case PoolAll:
		p.AddCert(a.public.cert)
		p.AddCert(a.internal.cert)
	}
	return p
}

func (a *Authorities) authority(issuer string) (*authority, error) {
	switch issuer {
	case Public:
		return a.public, nil
	case Internal:
		return a.internal, nil
	}
	return nil, fmt.Errorf("labca: unknown issuer %q (want %q or %q)", issuer, Public, Internal)
}

// prepareDir makes the state folder and its ca folder (0700), refusing a
// ca that is a link or not a folder.
func prepareDir(stateDir, dir string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("labca: state directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("labca: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("labca: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("labca: %s is not a folder (%s)", dir, atomicfile.TypeName(fi.Mode()))
	}
	// A folder of private keys is for its owner only (where modes mean
	// something: not on Windows).
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("labca: %w", err)
		}
	}
	return nil
}

// openAuthority loads the CA issuer from dir, or makes it when neither of
// its files exists.
func openAuthority(dir, issuer string) (*authority, error) {
	ca := &authority{
		issuer:   issuer,
		certFile: filepath.Join(dir, issuer+".crt"),
		keyFile:  filepath.Join(dir, issuer+".key"),
	}
	_, cerr := os.Lstat(ca.certFile)
	_, kerr := os.Lstat(ca.keyFile)
	switch {
	case errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist):
		if err := ca.create(time.Now()); err != nil {
			return nil, err
		}
	case errors.Is(cerr, fs.ErrNotExist):
		return nil, fmt.Errorf("labca: %s exists but %s does not; a CA file is never overwritten: remove %s to make a new lab %s CA (clients must then trust the new one)", ca.keyFile, ca.certFile, ca.keyFile, issuer)
	case errors.Is(kerr, fs.ErrNotExist):
		return nil, fmt.Errorf("labca: %s exists but %s does not; a CA file is never overwritten: remove %s to make a new lab %s CA (clients must then trust the new one)", ca.certFile, ca.keyFile, ca.certFile, issuer)
	}
	if err := ca.load(); err != nil {
		return nil, err
	}
	return ca, nil
}

// load reads and checks the CA's two files.
func (ca *authority) load() error {
	certPEM, err := atomicfile.ReadRegular(ca.certFile, maxCAFile)
	if err != nil {
		return fmt.Errorf("labca: lab %s CA: %w", ca.issuer, err)
	}
	keyPEM, err := atomicfile.ReadRegular(ca.keyFile, maxCAFile)
	if err != nil {
		return fmt.Errorf("labca: lab %s CA: %w", ca.issuer, err)
	}
	broken := func(file string, err error) error {
		return fmt.Errorf("labca: %s: %w (a CA file is never overwritten: fix it, or remove the .crt and .key to make a new lab %s CA)", file, err, ca.issuer)
	}
	der, err := decodeOne(certPEM, "CERTIFICATE")
	if err != nil {
		return broken(ca.certFile, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return broken(ca.certFile, err)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return broken(ca.certFile, errors.New("not a CA certificate (basic constraints CA:TRUE and key usage keyCertSign)"))
	}
	// A trust anchor for Pool: the CA must be a root, signed by itself.
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return broken(ca.certFile, fmt.Errorf("not a self-signed CA: %w", err))
	}
	kder, err := decodeOne(keyPEM, "PRIVATE KEY")
	if err != nil {
		return broken(ca.keyFile, fmt.Errorf("not a PKCS#8 private key: %w", err))
	}
	k, err := x509.ParsePKCS8PrivateKey(kder)
	if err != nil {
		return broken(ca.keyFile, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return broken(ca.keyFile, fmt.Errorf("unsupported key type %T", k))
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return fmt.Errorf("labca: %s does not match %s (a CA file is never overwritten: remove both to make a new lab %s CA)", ca.keyFile, ca.certFile, ca.issuer)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Lstat(ca.keyFile); err == nil && fi.Mode().Perm() != 0o600 {
			if err := os.Chmod(ca.keyFile, 0o600); err != nil {
				return fmt.Errorf("labca: %w", err)
			}
		}
	}
	ca.cert, ca.key = cert, key
	return nil
}

// create makes a new CA and writes its key, then its certificate. Should
// the certificate not be written, the key just written is removed again,
// so a failed run leaves no half pair.
func (ca *authority) create(now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("labca: lab %s CA key: %w", ca.issuer, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	id := make([]byte, 4)
	if _, err := rand.Read(id); err != nil {
		return fmt.Errorf("labca: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "mobplan lab " + ca.issuer + " CA (not for production)",
			Organization: []string{"mobplan lab (not for production)"},
			// Told apart from an earlier lab CA of the same name that a
			// device may still trust.
			OrganizationalUnit: []string{"created " + now.UTC().Format("2006-01-02") + " " + hex.EncodeToString(id)},
		},
		NotBefore:             now.Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:              now.Add(caLifetime).UTC().Truncate(time.Second),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("labca: lab %s CA: %w", ca.issuer, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("labca: lab %s CA key: %w", ca.issuer, err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := createNew(ca.keyFile, keyPEM, 0o600); err != nil {
		return fmt.Errorf("labca: writing the lab %s CA: %w", ca.issuer, err)
	}
	if err := createNew(ca.certFile, certPEM, 0o644); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			os.Remove(ca.keyFile)
		}
		return fmt.Errorf("labca: writing the lab %s CA: %w", ca.issuer, err)
	}
	if err := syncDir(filepath.Dir(ca.keyFile)); err != nil {
		return fmt.Errorf("labca: %w", err)
	}
	return nil
}

// samePublicKey reports whether a and b are the same key.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && b != nil && k.Equal(b)
}

// randomSerial is a positive 127-bit random serial number (RFC 5280
// allows 20 octets; CAs use at least 64 random bits).
func randomSerial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("labca: serial number: %w", err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // never zero, never short
	return new(big.Int).SetBytes(b), nil
}

// decodeOne returns the bytes of the one PEM block in data, which must
// be of one of the types given; text around it is ignored, a second
// block is refused.
func decodeOne(data []byte, types ...string) ([]byte, error) {
	b, rest := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	ok := false
	for _, t := range types {
		ok = ok || b.Type == t
	}
	if !ok {
		return nil, fmt.Errorf("PEM block %q, want %q", b.Type, types[0])
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, fmt.Errorf("more than one PEM block (a second %q)", next.Type)
	}
	return b.Bytes, nil
}
