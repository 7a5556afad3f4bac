package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// certFields are the strings of contoso's certificates, which the fuzz
// test replaces one at a time, and the shapes of their INF and CNF.
func certFields(t testing.TB) ([]plan.Certificate, []testtool.StringField, [][2]string) {
	p := testtool.ExamplePlan(t, "contoso")
	var shapes [][2]string
	for _, c := range p.Certificates {
		shapes = append(shapes, requestShapes(t, c))
	}
	return p.Certificates, testtool.StringFields(&p.Certificates), shapes
}

func requestShapes(t testing.TB, c plan.Certificate) [2]string {
	inf, err := INF(c)
	if err != nil {
		t.Fatal(err)
	}
	cnf, err := CNF(c)
	if err != nil {
		t.Fatal(err)
	}
	a, err := testtool.INFShape(string(inf))
	if err != nil {
		t.Fatal(err)
	}
	b, err := testtool.CNFShape(string(cnf))
	if err != nil {
		t.Fatal(err)
	}
	return [2]string{a, b}
}

// structural: the key type, the issuer and the extended key usages
// choose lines of the request, as the plan means them to.
func structural(path, s string) bool {
	switch {
	case strings.HasSuffix(path, ".KeyType"):
		return s == "RSA" || s == "ECDSA"
	case strings.HasSuffix(path, ".Issuer"):
		return s == "public" || s == "internal"
	case strings.Contains(path, ".EKU["):
		return s == plan.EKUServerAuth || s == plan.EKUClientAuth
	}
	return false
}

func checkRequests(t *testing.T, certs []plan.Certificate, path, s string, want [][2]string) {
	t.Helper()
	if structural(path, s) {
		return
	}
	var i int
	if _, err := fmt.Sscanf(path, "[%d]", &i); err != nil {
		t.Fatalf("field %s is in no certificate", path)
	}
	c := certs[i]
	if inf, err := INF(c); err == nil {
		if got, perr := testtool.INFShape(string(inf)); perr != nil || got != want[i][0] {
			t.Fatalf("%s = %q: the INF changed shape (%v):\n%s", path, s, perr, inf)
		}
	}
	if cnf, err := CNF(c); err == nil {
		if got, perr := testtool.CNFShape(string(cnf)); perr != nil || got != want[i][1] {
			t.Fatalf("%s = %q: the CNF changed shape (%v):\n%s", path, s, perr, cnf)
		}
	}
}

// FuzzRequestFiles puts arbitrary text in one string of contoso's
// certificates at a time: the INF and the OpenSSL configuration refuse
// it or keep their shape (sections, keys, what their values hold).
func FuzzRequestFiles(f *testing.F) {
	certs, fields, want := certFields(f)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*13, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkRequests(t, certs, fd.Path, s, want)
	})
}

// Every seed in every field, without fuzzing.
func TestInjectionEveryField(t *testing.T) {
	certs, fields, want := certFields(t)
	for _, fd := range fields {
		for _, s := range testtool.InjectionSeeds {
			restore := fd.Replace(s)
			checkRequests(t, certs, fd.Path, s, want)
			restore()
		}
	}
}

// openssl req builds, from the OpenSSL configuration with each worst
// seed wherever it keeps the shape, a request for exactly the planned
// subject and SANs: no seed adds a SAN (the attack).
func TestInjectionRealTool(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	certs, _, want := certFields(t)
	ran := 0
	// The reverse proxy's certificate (public, many SANs) and the first.
	for _, ci := range []int{0, slices.IndexFunc(certs, func(c plan.Certificate) bool { return c.Name == "rp-listener" })} {
		var plain []testtool.StringField
		for _, f := range testtool.StringFields(&certs[ci]) {
			if !structural(f.Path, plan.EKUServerAuth) && !structural(f.Path, "RSA") && !structural(f.Path, "public") && f.Path != "Name" && f.Path != "File" {
				plain = append(plain, f)
			}
		}
		for _, s := range testtool.WorstSeeds {
			restore, n := testtool.Saturate(plain, s, func() bool {
				b, err := CNF(certs[ci])
				if err != nil {
					return false
				}
				got, err := testtool.CNFShape(string(b))
				return err == nil && got == want[ci][1]
			})
			if n > 0 {
				ran++
				c := certs[ci]
				cnf, _ := CNF(c)
				conf := filepath.Join(dir, "req.cnf")
				csr := filepath.Join(dir, "req.csr")
				if err := os.WriteFile(conf, cnf, 0o644); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(openssl, "req", "-new", "-config", conf, "-key", keyFile, "-out", csr).CombinedOutput()
				if err != nil {
					t.Errorf("%s, %q in %d fields: openssl req: %v\n%s\n%s", c.Name, s, n, err, out, cnf)
				} else {
					b, _ := pem.Decode(readFile(t, csr))
					req, err := x509.ParseCertificateRequest(b.Bytes)
					if err != nil {
						t.Fatal(err)
					}
					if req.Subject.CommonName != c.Subject || !slices.Equal(req.DNSNames, c.SANs) {
						t.Errorf("%s, %q in %d fields: openssl asks for CN %q and SANs %v, the plan for %q and %v\n%s", c.Name, s, n, req.Subject.CommonName, req.DNSNames, c.Subject, c.SANs, cnf)
					}
				}
			}
			restore()
		}
	}
	if ran < 2*len(testtool.WorstSeeds) {
		t.Errorf("openssl ran %d times for 2 certificates and %d seeds", ran, len(testtool.WorstSeeds))
	}
}

// The parsers see the attack on the OpenSSL configuration and
// its relative on the INF.
func TestShapesSeeAttacks(t *testing.T) {
	c := rpListener(t)
	want := requestShapes(t, c)
	cnf, _ := CNF(c)
	bad := strings.Replace(string(cnf), "# Why:", "# x\n[ alt_names ]\nDNS.99 = evil.example\n# Why:", 1)
	if got, _ := testtool.CNFShape(bad); got == want[1] {
		t.Error("CNFShape does not see an added SAN")
	}
	bad = strings.Replace(string(cnf), "\n\n[ req ]", "\n# x \\\n[ req ]", 1)
	if got, _ := testtool.CNFShape(bad); got == want[1] {
		t.Error("CNFShape does not see a comment swallowing the next line")
	}
	inf, _ := INF(c)
	bad = strings.Replace(string(inf), `"dns=webext.contoso.com&"`, `"dns=webext.contoso.com&dns=evil.example&"`, 1)
	if got, _ := testtool.INFShape(bad); got == want[0] {
		t.Error("INFShape does not see an added SAN")
	}
}

// plainValue takes exactly the ASCII letters, digits and "._-*".
func FuzzPlainValue(f *testing.F) {
	for _, s := range []string{"", "a.b_c-d*", "é", "a b", "a=b", "\xff", "${x}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := true
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-*", r)) {
				want = false
			}
		}
		if got := plainValue(s) == nil; got != want {
			t.Errorf("plainValue(%q) passes: %v, want %v", s, got, want)
		}
	})
}

// canonicalPEM takes exactly what pem.EncodeToMemory writes of one
// block of the type, and gives its bytes.
func FuzzCanonicalPEM(f *testing.F) {
	der := make([]byte, 200)
	for i := range der {
		der[i] = byte(i * 7)
	}
	for _, n := range []int{0, 1, 2, 3, 47, 48, 49, 96, 200} {
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der[:n]}))
	}
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAA==\r\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nA\nA==\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAB==\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nA: b\n\nAA==\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []byte
		b, rest := pem.Decode(data)
		wantOK := b != nil && len(rest) == 0 && b.Type == "CERTIFICATE REQUEST" && len(b.Headers) == 0 && bytes.Equal(pem.EncodeToMemory(b), data)
		if wantOK {
			want = b.Bytes
		}
		got, ok := canonicalPEM(data, "CERTIFICATE REQUEST")
		if ok != wantOK || ok && !bytes.Equal(got, want) {
			t.Errorf("canonicalPEM(%q) = %x, %v; pem says %x, %v", data, got, ok, want, wantOK)
		}
	})
}
