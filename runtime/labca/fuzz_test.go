package labca_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/mobplan/mobplan/runtime/labca"
)

// FuzzIssue feeds Issue arbitrary requests: it never panics, and what it
// issues has the request's subject and key.
func FuzzIssue(f *testing.F) {
	a, err := labca.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range []struct {
		typ  string
		bits int
	}{{"RSA", 2048}, {"ECDSA", 256}} {
		csr, _ := plannedCSR(f, plannedCert(c.typ, c.bits))
		f.Add(csr)
		b, _ := pem.Decode(csr)
		f.Add(b.Bytes)
	}
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"))
	now := time.Now()
	f.Fuzz(func(t *testing.T, data []byte) {
		// Raw DER too, so the fuzzer need not find the PEM armour.
		if !bytes.Contains(data, []byte("-----BEGIN")) {
			data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: data})
		}
		cert, chain, err := a.Issue(labca.Public, data, now)
		if err != nil {
			return
		}
		b, _ := pem.Decode(data)
		req, perr := x509.ParseCertificateRequest(b.Bytes)
		if perr != nil {
			t.Fatalf("issued for a request that does not parse: %v", perr)
		}
		if !bytes.Equal(cert.RawSubject, req.RawSubject) || !bytes.Equal(cert.RawSubjectPublicKeyInfo, req.RawSubjectPublicKeyInfo) || cert.IsCA || len(chain) == 0 {
			t.Fatal("issued a certificate that is not the request's")
		}
	})
}

// FuzzImitate feeds Imitate arbitrary certificates: it never panics, and
// a stand-in has the real certificate's subject.
func FuzzImitate(f *testing.F) {
	a, err := labca.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	certPEM, _ := realCert(f, testKey(f, "ECDSA", 256), now.Add(-time.Hour), now.Add(time.Hour))
	f.Add(certPEM)
	b, _ := pem.Decode(certPEM)
	f.Add(b.Bytes)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.Contains(data, []byte("-----BEGIN")) {
			data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: data})
		}
		b, _ := pem.Decode(data)
		if b != nil {
			// Making a large RSA key takes seconds: not what is fuzzed.
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				if k, ok := c.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() > 2048 {
					t.Skip()
				}
			}
		}
		pair, err := a.Imitate(labca.Internal, data, now)
		if err != nil {
			return
		}
		real, perr := x509.ParseCertificate(b.Bytes)
		if perr != nil || !bytes.Equal(pair.Leaf.RawSubject, real.RawSubject) || pair.Leaf.IsCA {
			t.Fatal("a stand-in that is not the real certificate's")
		}
	})
}
