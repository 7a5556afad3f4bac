package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
)

// The SAN extension written by hand is, byte for byte, the one x509
// writes from a template's DNSNames, for lists whose lengths cross
// every DER length form.
func TestSANExtensionIsX509s(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	extension := func(der []byte) []byte {
		t.Helper()
		req, err := x509.ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range req.Extensions {
			if e.Id.Equal(oidSubjectAltName) {
				return e.Value
			}
		}
		t.Fatal("no SAN extension")
		return nil
	}
	for _, names := range [][]string{
		{"a"},
		{strings.Repeat("a", 127)},
		{strings.Repeat("b", 128)},
		{strings.Repeat("c", 255), strings.Repeat("d", 256)},
		lots(10, "sip.contoso.com"),
		lots(3000, "lyncdiscover.d00000.example.com"),
	} {
		want, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}, DNSNames: names}, key)
		if err != nil {
			t.Fatal(err)
		}
		san, err := sanExtension(names)
		if err != nil {
			t.Fatal(err)
		}
		got, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}, ExtraExtensions: []pkix.Extension{san}}, key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(extension(got), extension(want)) || san.Critical {
			t.Errorf("%d names of %d bytes: the extension differs from x509's", len(names), len(names[0]))
		}
	}
	if _, err := sanExtension([]string{"caf\u00e9.example"}); err == nil {
		t.Error("a name that is not IA5 was encoded")
	}
}

func lots(n int, name string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = name
	}
	return out
}
