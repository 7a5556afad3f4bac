package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

var validExamples = []string{"contoso", "standard-edition", "multisite", "tailspin", "invalid/_base", "pki-options"}

func loadPlan(t *testing.T, example string) *plan.Plan {
	t.Helper()
	return testtool.ExamplePlan(t, example)
}

// run generates as apply does: keys made where missing, then stored.
func run(t *testing.T, p *plan.Plan, keyDir string) []artifact.File {
	t.Helper()
	keys := NewKeyStore(keyDir, true)
	files, err := Generator.Generate(&artifact.Context{Plan: p, Keys: keys, Previous: func(string) []byte { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Commit(); err != nil {
		t.Fatal(err)
	}
	return files
}

// key returns the stored key of name, making and storing one if there is
// none that fits, as apply would.
func key(t *testing.T, s *KeyStore, name, typ string, bits int) crypto.Signer {
	t.Helper()
	k, err := s.Stored(name, typ, bits)
	if err != nil {
		t.Fatal(err)
	}
	if k == nil {
		if k, err = s.Make(name, typ, bits); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func fileMap(files []artifact.File) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m
}

func parseCSR(t *testing.T, data []byte) *x509.CertificateRequest {
	t.Helper()
	b, rest := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE REQUEST" || len(bytes.TrimSpace(rest)) > 0 {
		t.Fatalf("not a single PEM certificate request:\n%s", data)
	}
	r, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CheckSignature(); err != nil {
		t.Fatal(err)
	}
	return r
}

// Contoso: three files per certificate, and the CSRs say what section 2.2
// says (the proxy's request in full).
func TestContosoRequests(t *testing.T) {
	p := loadPlan(t, "contoso")
	files := run(t, p, t.TempDir())
	if len(files) != 3*len(p.Certificates)+1 || len(p.Certificates) != 12 {
		t.Fatalf("%d files for %d certificates, want 37 for 12 (and the public CA orders)", len(files), len(p.Certificates))
	}
	m := fileMap(files)
	for _, c := range p.Certificates {
		r := parseCSR(t, m["certs/"+c.Name+".csr"])
		if r.Subject.String() != "CN="+c.Subject || !reflect.DeepEqual(r.DNSNames, nilIfEmpty(c.SANs)) {
			t.Errorf("%s: CSR has %s %v, plan %s %v", c.Name, r.Subject, r.DNSNames, c.Subject, c.SANs)
		}
		if _, ok := r.PublicKey.(*rsa.PublicKey); !ok || r.PublicKey.(*rsa.PublicKey).N.BitLen() != 2048 {
			t.Errorf("%s: want an RSA 2048 key", c.Name)
		}
	}
	rp := parseCSR(t, m["certs/rp-listener.csr"])
	want := []string{"webext.contoso.com", "dialin.contoso.com", "lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com",
		"meet.contoso.com", "meet.fabrikam.com", "oos.contoso.com"}
	if rp.Subject.CommonName != "webext.contoso.com" || !reflect.DeepEqual(rp.DNSNames, want) {
		t.Errorf("RP CSR: %s %v, want CN=webext.contoso.com %v", rp.Subject, rp.DNSNames, want)
	}
	edge := parseCSR(t, m["certs/edge-edgeexternal.csr"])
	if !reflect.DeepEqual(edge.DNSNames, []string{"sip.contoso.com", "sip.fabrikam.com", "webcon.contoso.com"}) {
		t.Errorf("Edge external CSR SANs %v", edge.DNSNames)
	}
	for _, f := range files {
		if f.Mode != 0 {
			t.Errorf("%s: mode %o, want the default", f.Path, f.Mode)
		}
	}
	inf := string(m["certs/fe01-webservicesinternal.inf"])
	for _, s := range []string{"; " + Header + "\n", `Subject = "CN=pool01.contoso.net"`, `_continue_ = "dns=lyncdiscoverinternal.fabrikam.com&"`,
		`_continue_ = "dns=webint.contoso.net"` + "\n", "OID = 1.3.6.1.5.5.7.3.1 ; Server Authentication", "CertificateTemplate = WebServer", "Exportable = FALSE"} {
		if !strings.Contains(inf, s) {
			t.Errorf("fe01-webservicesinternal.inf lacks %q:\n%s", s, inf)
		}
	}
	if inf := string(m["certs/rp-listener.inf"]); strings.Contains(inf, "CertificateTemplate") || !strings.Contains(inf, "Exportable = TRUE") {
		t.Errorf("rp-listener.inf: a public certificate has no template, its key is exportable:\n%s", inf)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// opensslText is what openssl req -text says of a request.
type opensslText struct {
	subject string
	sans    []string
	eku     string
	ku      string
}

func opensslShow(t *testing.T, openssl, path string) opensslText {
	t.Helper()
	out, err := exec.Command(openssl, "req", "-noout", "-text", "-in", path).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl req -text %s: %v\n%s", path, err, out)
	}
	var r opensslText
	lines := strings.Split(string(out), "\n")
	next := func(i int) string {
		if i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
		return ""
	}
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Subject:"):
			r.subject = strings.TrimSpace(strings.TrimPrefix(l, "Subject:"))
		case strings.HasPrefix(l, "X509v3 Subject Alternative Name:"):
			for _, s := range strings.Split(next(i), ", ") {
				r.sans = append(r.sans, strings.TrimPrefix(s, "DNS:"))
			}
		case strings.HasPrefix(l, "X509v3 Extended Key Usage:"):
			r.eku = next(i)
		case strings.HasPrefix(l, "X509v3 Key Usage:"):
			r.ku = l + " " + next(i)
		}
	}
	return r
}

var opensslEKU = map[string]string{plan.EKUServerAuth: "TLS Web Server Authentication", plan.EKUClientAuth: "TLS Web Client Authentication"}

// The real tool: every request of every valid example verifies, and
// openssl reads exactly the planned subject, SANs and EKU from it. The
// .cnf with the key-store key gives the same request, byte for byte.
func TestOpenSSL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	for _, ex := range validExamples {
		t.Run(strings.ReplaceAll(ex, "/", "_"), func(t *testing.T) {
			p := loadPlan(t, ex)
			keyDir := filepath.Join(t.TempDir(), "keys")
			dir := t.TempDir()
			for _, f := range run(t, p, keyDir) {
				path := filepath.Join(dir, filepath.FromSlash(f.Path))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range p.Certificates {
				csr := filepath.Join(dir, "certs", c.Name+".csr")
				if out, err := exec.Command(openssl, "req", "-verify", "-noout", "-in", csr).CombinedOutput(); err != nil {
					t.Errorf("%s: openssl req -verify: %v\n%s", c.Name, err, out)
				}
				got := opensslShow(t, openssl, csr)
				var eku []string
				for _, e := range c.EKU {
					eku = append(eku, opensslEKU[e])
				}
				want := opensslText{subject: "CN = " + c.Subject, sans: nilIfEmpty(c.SANs), eku: strings.Join(eku, ", "),
					ku: "X509v3 Key Usage: critical Digital Signature, Key Encipherment"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: openssl reads\n %+v\nplanned\n %+v", c.Name, got, want)
				}

				// The .cnf, with the same key, gives the same request content.
				fromCNF := filepath.Join(dir, c.Name+"-cnf.csr")
				cmd := exec.Command(openssl, "req", "-new", "-config", filepath.Join(dir, "certs", c.Name+".cnf"),
					"-key", filepath.Join(keyDir, c.Name+".key"), "-out", fromCNF)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: openssl req -new -config: %v\n%s", c.Name, err, out)
				}
				if other := opensslShow(t, openssl, fromCNF); !reflect.DeepEqual(other, got) {
					t.Errorf("%s: the .cnf gives\n %+v\nthe .csr has\n %+v", c.Name, other, got)
				}
				// Same key, same content, deterministic RSA signature: the
				// very same bytes.
				if !bytes.Equal(readFile(t, csr), readFile(t, fromCNF)) {
					t.Errorf("%s: the .cnf request is not byte-identical to the .csr", c.Name)
				}
			}
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The key store: 0700, .gitignore "*", one 0600 PKCS#8 key per request.
func TestKeyStore(t *testing.T) {
	p := loadPlan(t, "contoso")
	keyDir := filepath.Join(t.TempDir(), ".mobplan", "keys")
	run(t, p, keyDir)
	fi, err := os.Stat(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("key store mode %o, want 700", fi.Mode().Perm())
	}
	if got := string(readFile(t, filepath.Join(keyDir, ".gitignore"))); got != "*\n" {
		t.Errorf(".gitignore = %q", got)
	}
	entries, err := os.ReadDir(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		if e.Name() == ".gitignore" {
			continue
		}
		keys = append(keys, e.Name())
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 || !info.Mode().IsRegular() {
			t.Errorf("%s: mode %v, want a 0600 file", e.Name(), info.Mode())
		}
		k, err := parseKey(readFile(t, filepath.Join(keyDir, e.Name())))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		} else if _, ok := k.(*rsa.PrivateKey); !ok {
			t.Errorf("%s: %T, want RSA", e.Name(), k)
		}
	}
	if len(keys) != len(p.Certificates) {
		t.Errorf("%d files in the key store (%v), want one key per certificate (%d)", len(keys), keys, len(p.Certificates))
	}
}

// A looser key store or key file is tightened.
func TestKeyStoreTightensModes(t *testing.T) {
	p := loadPlan(t, "invalid/_base")
	keyDir := t.TempDir()
	run(t, p, keyDir)
	key := filepath.Join(keyDir, "se01-default.key")
	if err := os.Chmod(keyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, p, keyDir)
	for path, want := range map[string]os.FileMode{keyDir: 0o700, key: 0o600} {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}
}

// Keys are reused: a second run gives byte-identical files; the request
// templates (.inf, .cnf) do not depend on the key at all.
func TestDeterministic(t *testing.T) {
	for _, ex := range validExamples {
		p := loadPlan(t, ex)
		keyDir := t.TempDir()
		first := run(t, p, keyDir)
		second := run(t, loadPlan(t, ex), keyDir)
		if !reflect.DeepEqual(first, second) {
			t.Errorf("%s: second run differs", ex)
		}
		for i := 1; i < len(first); i++ {
			if first[i-1].Path >= first[i].Path {
				t.Errorf("%s: files not sorted: %s before %s", ex, first[i-1].Path, first[i].Path)
			}
		}
		other := fileMap(run(t, p, t.TempDir()))
		for _, f := range first {
			same := bytes.Equal(other[f.Path], f.Data)
			if strings.HasSuffix(f.Path, ".csr") == same {
				t.Errorf("%s: %s with another key store: same bytes = %v", ex, f.Path, same)
			}
			if !bytes.HasSuffix(f.Data, []byte("\n")) {
				t.Errorf("%s: %s does not end with a newline", ex, f.Path)
			}
		}
	}
}

// RSA PKCS#1 v1.5 signatures are deterministic: the same key and request
// give the same bytes (ECDSA requests are signed per RFC 6979, also
// deterministic).
func TestSignaturesDeterministic(t *testing.T) {
	c := plan.Certificate{Name: "x", Subject: "a.example.com", SANs: []string{"a.example.com", "b.example.com"},
		EKU: []string{plan.EKUServerAuth}, KeyType: "RSA", KeyBits: 2048}
	s := NewKeyStore(t.TempDir(), true)
	for _, kt := range []struct {
		typ  string
		bits int
	}{{"RSA", 2048}, {"ECDSA", 256}, {"ECDSA", 384}, {"ECDSA", 521}} {
		c.KeyType, c.KeyBits = kt.typ, kt.bits
		k := key(t, s, strings.ToLower(c.Name+kt.typ), kt.typ, kt.bits)
		a, err := CSR(c, k)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := CSR(c, k)
		if !bytes.Equal(a, b) {
			t.Errorf("%s %d: two signatures of the same request differ", kt.typ, kt.bits)
		}
		parseCSR(t, a)
		if !RequestMatches(a, c) {
			t.Errorf("%s %d: the request does not match its own certificate", kt.typ, kt.bits)
		}
	}
}

// A key whose type or size no longer matches the plan does not count as
// stored; the new one replaces it and the old one is kept under a digest
// name.
func TestKeyReplacedWhenPlanChanges(t *testing.T) {
	dir := t.TempDir()
	s := NewKeyStore(dir, true)
	k1 := key(t, s, "c", "RSA", 2048)
	if same := key(t, s, "c", "RSA", 2048); !k1.(*rsa.PrivateKey).Equal(same) {
		t.Errorf("an unchanged plan must reuse the key")
	}
	if k, err := s.Stored("c", "RSA", 3072); k != nil || err != nil {
		t.Errorf("a 2048-bit key counts as a 3072-bit one: %v %v", k, err)
	}
	k2 := key(t, s, "c", "RSA", 3072)
	if k2.(*rsa.PrivateKey).N.BitLen() != 3072 {
		t.Errorf("new key has %d bits", k2.(*rsa.PrivateKey).N.BitLen())
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "c.*.key"))
	if len(kept) != 1 {
		t.Fatalf("the replaced key is not kept: %v", kept)
	}
	if old, err := parseKey(readFile(t, kept[0])); err != nil || !k1.(*rsa.PrivateKey).Equal(old) {
		t.Errorf("%s is not the replaced key (%v)", kept[0], err)
	}
	k3 := key(t, s, "c", "ECDSA", 256)
	if _, ok := k3.(*ecdsa.PrivateKey); !ok {
		t.Errorf("want an ECDSA key, got %T", k3)
	}
	if again := key(t, s, "c", "ECDSA", 256); !k3.(*ecdsa.PrivateKey).Equal(again) {
		t.Errorf("the new key must be stored and reused")
	}
}

// A key file that is not a key is an error, never overwritten.
func TestBrokenKeyIsKept(t *testing.T) {
	dir := t.TempDir()
	s := NewKeyStore(dir, true)
	path := filepath.Join(dir, "c.key")
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stored("c", "RSA", 2048); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("err = %v", err)
	}
	if got := string(readFile(t, path)); got != "not a key\n" {
		t.Errorf("the file was changed: %q", got)
	}
}

// Plan's key store makes no key and writes nothing: a CSR without a
// fitting key is pending, unless the committed CSR already asks for
// exactly the planned request, which is kept byte for byte.
func TestReadOnlyKeyStore(t *testing.T) {
	p := loadPlan(t, "contoso")
	applied := t.TempDir()
	committed := fileMap(run(t, p, applied))

	keyDir := filepath.Join(t.TempDir(), "keys")
	ro := NewKeyStore(keyDir, false)
	if _, err := ro.Make("c", "RSA", 2048); !errors.Is(err, artifact.ErrKeysReadOnly) {
		t.Fatalf("read-only Make: %v", err)
	}
	gen := func(prev func(string) []byte) map[string]artifact.File {
		files, err := Generator.Generate(&artifact.Context{Plan: p, Keys: ro, Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]artifact.File{}
		for _, f := range files {
			out[f.Path] = f
		}
		return out
	}
	// No committed CSR, no key: every CSR is pending, nothing else is.
	for path, f := range gen(func(string) []byte { return nil }) {
		if strings.HasSuffix(path, ".csr") != (f.Pending == PendingNewKey) || (f.Pending != "") != (f.Data == nil) {
			t.Errorf("%s: pending %q with %d bytes", path, f.Pending, len(f.Data))
		}
	}
	// A fresh clone: committed CSRs, no keys: nothing changes.
	for path, f := range gen(func(path string) []byte { return committed[path] }) {
		if f.Pending != "" || !bytes.Equal(f.Data, committed[path]) {
			t.Errorf("%s: changed on a clone without keys (pending %q)", path, f.Pending)
		}
	}
	// The request moved (another key size): pending again.
	p2 := loadPlan(t, "contoso")
	p2.Certificates[0].KeyBits = 3072
	files, err := Generator.Generate(&artifact.Context{Plan: p2, Keys: ro, Previous: func(path string) []byte { return committed[path] }})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "certs/"+p2.Certificates[0].Name+".csr" && f.Pending != PendingNewKey {
			t.Errorf("%s: a 3072-bit request kept the 2048-bit CSR", f.Path)
		}
	}
	if _, err := os.Lstat(keyDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the read-only key store created %s (%v)", keyDir, err)
	}
}

// RequestMatches tells the planned request from any other.
func TestRequestMatches(t *testing.T) {
	c := plan.Certificate{Name: "x", Subject: "a.example.com", SANs: []string{"a.example.com", "b.example.com"},
		EKU: []string{plan.EKUServerAuth}, KeyType: "RSA", KeyBits: 2048}
	k := key(t, NewKeyStore(t.TempDir(), true), "x", "RSA", 2048)
	csr, err := CSR(c, k)
	if err != nil {
		t.Fatal(err)
	}
	if !RequestMatches(csr, c) {
		t.Fatal("a request does not match its certificate")
	}
	for name, edit := range map[string]func(*plan.Certificate){
		"SAN added":   func(c *plan.Certificate) { c.SANs = append(c.SANs, "c.example.com") },
		"SAN order":   func(c *plan.Certificate) { c.SANs = []string{"b.example.com", "a.example.com"} },
		"subject":     func(c *plan.Certificate) { c.Subject = "b.example.com" },
		"key size":    func(c *plan.Certificate) { c.KeyBits = 3072 },
		"key type":    func(c *plan.Certificate) { c.KeyType, c.KeyBits = "ECDSA", 256 },
		"client auth": func(c *plan.Certificate) { c.EKU = append(c.EKU, plan.EKUClientAuth) },
	} {
		other := c
		other.SANs = slices.Clone(c.SANs)
		other.EKU = slices.Clone(c.EKU)
		edit(&other)
		if RequestMatches(csr, other) {
			t.Errorf("%s: the request still matches", name)
		}
	}
	if RequestMatches([]byte("not a request"), c) || RequestMatches(bytes.Replace(csr, []byte("A"), []byte("B"), 1), c) {
		t.Error("garbage matches")
	}
}

// No returned file holds key material: no PEM private key, no piece of
// any stored key's encoding.
func TestNoKeyMaterialInFiles(t *testing.T) {
	for _, ex := range validExamples {
		keyDir := t.TempDir()
		files := run(t, loadPlan(t, ex), keyDir)
		entries, _ := os.ReadDir(keyDir)
		var secrets [][]byte
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".key") {
				continue
			}
			b, _ := pem.Decode(readFile(t, filepath.Join(keyDir, e.Name())))
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			// Private parts only: the public modulus is rightly in the CSR.
			// In a 2048-bit PKCS#8 key, base64 characters 600-640 fall
			// inside the private exponent.
			rk := k.(*rsa.PrivateKey)
			secrets = append(secrets, rk.D.Bytes()[:16], rk.Primes[0].Bytes()[:16],
				[]byte(base64.StdEncoding.EncodeToString(b.Bytes)[600:640]))
		}
		if len(secrets) == 0 {
			t.Fatalf("%s: no keys", ex)
		}
		for _, f := range files {
			if bytes.Contains(f.Data, []byte("PRIVATE KEY")) {
				t.Errorf("%s: %s holds a private key", ex, f.Path)
			}
			for _, s := range secrets {
				if bytes.Contains(f.Data, s) {
					t.Errorf("%s: %s holds key material", ex, f.Path)
				}
			}
		}
	}
}

// Declared certificates with a file exist already: no request, no key.
// Declared ones without a file get a request like derived ones.
func TestDeclaredCertificates(t *testing.T) {
	p := &plan.Plan{Certificates: []plan.Certificate{
		{Name: "existing", Usage: []string{plan.UsageRPListener}, AssignTo: []string{"rp"}, Subject: "web.contoso.com",
			SANs: []string{"web.contoso.com"}, Issuer: "public", KeyType: "RSA", KeyBits: 2048, EKU: []string{plan.EKUServerAuth},
			Declared: true, File: "rp.pem", Why: "declared"},
	}}
	keyDir := filepath.Join(t.TempDir(), "keys")
	if files := run(t, p, keyDir); len(files) != 0 {
		t.Errorf("files for an existing certificate: %v", files)
	}
	if _, err := os.Stat(keyDir); !os.IsNotExist(err) {
		t.Errorf("key store made although no key is needed: %v", err)
	}
	p.Certificates = append(p.Certificates, plan.Certificate{Name: "wanted", Usage: []string{plan.UsageWebServicesExternal},
		AssignTo: []string{"se01.contoso.net"}, Subject: "se01.contoso.net", SANs: []string{"se01.contoso.net", "*.contoso.com"},
		Issuer: "internal", KeyType: "ECDSA", KeyBits: 256, EKU: []string{plan.EKUServerAuth}, Template: "WebServer", Declared: true, Why: "declared"})
	m := fileMap(run(t, p, keyDir))
	if len(m) != 3 {
		t.Fatalf("files: %v", m)
	}
	r := parseCSR(t, m["certs/wanted.csr"])
	if _, ok := r.PublicKey.(*ecdsa.PublicKey); !ok || r.DNSNames[1] != "*.contoso.com" {
		t.Errorf("wanted.csr: %T %v", r.PublicKey, r.DNSNames)
	}
	if inf := string(m["certs/wanted.inf"]); !strings.Contains(inf, "KeyAlgorithm = ECDSA_P256") {
		t.Errorf("wanted.inf:\n%s", inf)
	}
}

func TestRejectsUnsafeInput(t *testing.T) {
	base := plan.Certificate{Name: "ok", Subject: "a.example.com", SANs: []string{"a.example.com"}, KeyType: "RSA", KeyBits: 2048,
		EKU: []string{plan.EKUServerAuth}}
	for name, mutate := range map[string]func(*plan.Certificate){
		"path name":     func(c *plan.Certificate) { c.Name = "../x" },
		"quote in SAN":  func(c *plan.Certificate) { c.SANs = []string{`a.example.com"`} },
		"newline in CN": func(c *plan.Certificate) { c.Subject = "a.example.com\nCN = b" },
		"unknown EKU":   func(c *plan.Certificate) { c.EKU = []string{"code-signing"} },
	} {
		c := base
		mutate(&c)
		_, err := Generator.Generate(&artifact.Context{Plan: &plan.Plan{Certificates: []plan.Certificate{c}}, Keys: NewKeyStore(t.TempDir(), true)})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Generator.Generate(&artifact.Context{Plan: &plan.Plan{Certificates: []plan.Certificate{base}}}); err == nil {
		t.Errorf("no key store: accepted")
	}
}

// A state folder committed as a link would send the private keys where
// it points: the store refuses to read or write through it.
func TestKeyStoreRefusesLinkedStateFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	root, elsewhere := t.TempDir(), t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(root, ".mobplan")); err != nil {
		t.Fatal(err)
	}
	s := NewKeyStore(filepath.Join(root, ".mobplan", "keys"), true)
	if _, err := s.Make("web", "RSA", 2048); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Commit through a linked .mobplan: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("written where the link points: %v", entries)
	}
	if _, err := s.Stored("other", "RSA", 2048); err == nil {
		t.Error("read through a linked .mobplan")
	}
}

// sameRequest recognises exactly the bytes CSR would make, so a plan may
// keep a request instead of signing it again; anything else is signed.
func TestSameRequest(t *testing.T) {
	c := plan.Certificate{Name: "x", Subject: "a.example.com", SANs: []string{"a.example.com", "b.example.com"},
		EKU: []string{plan.EKUServerAuth}, KeyType: "RSA", KeyBits: 2048}
	s := NewKeyStore(t.TempDir(), true)
	k := key(t, s, "x", "RSA", 2048)
	other := key(t, s, "y", "RSA", 2048)
	csr, err := CSR(c, k)
	if err != nil {
		t.Fatal(err)
	}
	if !sameRequest(csr, c, k) {
		t.Fatal("CSR's own request is not recognised")
	}
	otherCSR, _ := CSR(c, other)
	b, _ := pem.Decode(csr)
	withHeader := pem.EncodeToMemory(&pem.Block{Type: b.Type, Headers: map[string]string{"X": "y"}, Bytes: b.Bytes})
	// reencoded is the request with its outer structure edited.
	reencoded := func(edit func(*signedRequest)) []byte {
		var outer signedRequest
		if _, err := asn1.Unmarshal(b.Bytes, &outer); err != nil {
			t.Fatal(err)
		}
		outer.Raw = nil
		edit(&outer)
		der, err := asn1.Marshal(outer)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der})
	}
	if !bytes.Equal(reencoded(func(*signedRequest) {}), csr) {
		t.Fatal("the request re-encoded unedited is not itself")
	}
	for name, prev := range map[string][]byte{
		"another key's request":   otherCSR,
		"trailing bytes":          append(slices.Clone(csr), '\n'),
		"leading bytes":           append([]byte("x\n"), csr...),
		"a PEM header":            withHeader,
		"a CRLF line end":         bytes.Replace(csr, []byte("\n"), []byte("\r\n"), 1),
		"a changed signature":     pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: append(slices.Clone(b.Bytes[:len(b.Bytes)-1]), b.Bytes[len(b.Bytes)-1]^1)}),
		"garbage":                 []byte("not a request"),
		"no algorithm parameters": reencoded(func(o *signedRequest) { o.Algorithm.Parameters = asn1.RawValue{} }),
		"SHA-384 named":           reencoded(func(o *signedRequest) { o.Algorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12} }),
		"unused signature bits":   reencoded(func(o *signedRequest) { o.Signature.BitLength-- }),
	} {
		if sameRequest(prev, c, k) {
			t.Errorf("%s: taken as the same request", name)
		}
	}
	for name, edit := range map[string]func(*plan.Certificate){
		"SAN added":   func(c *plan.Certificate) { c.SANs = append(c.SANs, "c.example.com") },
		"SAN order":   func(c *plan.Certificate) { c.SANs = []string{"b.example.com", "a.example.com"} },
		"subject":     func(c *plan.Certificate) { c.Subject = "b.example.com" },
		"client auth": func(c *plan.Certificate) { c.EKU = append(c.EKU, plan.EKUClientAuth) },
	} {
		changed := c
		changed.SANs, changed.EKU = slices.Clone(c.SANs), slices.Clone(c.EKU)
		edit(&changed)
		if sameRequest(csr, changed, k) {
			t.Errorf("%s: the old request is taken as the new one", name)
		}
	}
	// ECDSA requests are always signed again.
	c.KeyType, c.KeyBits = "ECDSA", 256
	ek := key(t, s, "e", "ECDSA", 256)
	ecsr, _ := CSR(c, ek)
	if sameRequest(ecsr, c, ek) {
		t.Error("an ECDSA request was kept")
	}
}

// A render with the keys stored gives the same bytes whether the
// artifacts hold the last requests (kept) or not (signed).
func TestKeptRequestsAreTheSigned(t *testing.T) {
	for _, ex := range []string{"contoso", "pki-options"} {
		p := loadPlan(t, ex)
		dir := t.TempDir()
		fresh := run(t, p, dir)
		prev := fileMap(fresh)
		keys := NewKeyStore(dir, false)
		kept, err := Generator.Generate(&artifact.Context{Plan: p, Keys: keys, Previous: func(path string) []byte { return prev[path] }})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fresh, kept) {
			t.Fatalf("%s: the kept requests differ from the signed ones", ex)
		}
		n := 0
		for _, c := range p.Certificates {
			if k, _ := keys.Stored(c.Name, c.KeyType, c.KeyBits); k != nil && sameRequest(prev["certs/"+c.Name+".csr"], c, k) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: no request was kept", ex)
		}
	}
}
