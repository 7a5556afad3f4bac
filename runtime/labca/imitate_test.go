package labca_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/runtime/labca"
)

// realCert makes a certificate as a real CA would issue one for a
// declared certificate: a whole DN, names, EKU, and the real CA's
// pointers (AIA, CRL, policy) the lab copy must not carry. It returns
// the PEM of the certificate followed by its CA's, and the certificate.
func realCert(t testing.TB, key crypto.Signer, notBefore, notAfter time.Time) ([]byte, *x509.Certificate) {
	t.Helper()
	caKey := testKey(t, "ECDSA", 521)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Contoso Issuing CA 1", Organization: []string{"Contoso"}},
		NotBefore:             notBefore.Add(-time.Hour),
		NotAfter:              notAfter.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	subject, err := asn1.Marshal(pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "US"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 8}, Value: "Washington"}},
		{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Contoso"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "IT"},
		},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "webext.contoso.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(4242),
		RawSubject:            subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		DNSNames:              []string{"webext.contoso.com", "meet.contoso.com", "dialin.contoso.com"},
		IPAddresses:           []net.IP{net.ParseIP("203.0.113.5")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IssuingCertificateURL: []string{"http://pki.contoso.com/ca1.crt"},
		CRLDistributionPoints: []string{"http://pki.contoso.com/ca1.crl"},
		PolicyIdentifiers:     []asn1.ObjectIdentifier{{2, 23, 140, 1, 2, 2}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return out, cert
}

func TestImitate(t *testing.T) {
	a := open(t, t.TempDir())
	now := time.Now().Add(24 * time.Hour)
	for _, tc := range []struct {
		keyType string
		bits    int
		issuer  string
	}{
		{"RSA", 2048, labca.Public},
		{"ECDSA", 384, labca.Internal},
	} {
		t.Run(tc.keyType+"-"+tc.issuer, func(t *testing.T) {
			realKey := testKey(t, tc.keyType, tc.bits)
			certPEM, real := realCert(t, realKey, now.Add(-24*time.Hour), now.Add(2*365*24*time.Hour))
			pair, err := a.Imitate(tc.issuer, certPEM, now)
			if err != nil {
				t.Fatal(err)
			}
			leaf := pair.Leaf
			ca := a.Certificate(tc.issuer)
			// The lab CA is a root, which servers do not send.
			if leaf == nil || len(pair.Certificate) != 1 || !bytes.Equal(pair.Certificate[0], leaf.Raw) {
				t.Fatal("not the lab certificate alone")
			}
			if !bytes.Equal(leaf.RawSubject, real.RawSubject) {
				t.Errorf("subject %q, want %q byte for byte", leaf.Subject, real.Subject)
			}
			for _, id := range []asn1.ObjectIdentifier{oidSAN, oidKU, oidEKU} {
				sameExt(t, leaf, findExt(real.Extensions, id))
			}
			if !slices.Equal(leaf.DNSNames, real.DNSNames) || len(leaf.IPAddresses) != 1 {
				t.Errorf("names %v %v, want %v %v", leaf.DNSNames, leaf.IPAddresses, real.DNSNames, real.IPAddresses)
			}
			wantIDs := extIDs([]pkix.Extension{{Id: oidSAN}, {Id: oidKU}, {Id: oidEKU}, {Id: oidBC}, {Id: oidSKI}, {Id: oidAKI}})
			if got := extIDs(leaf.Extensions); !slices.Equal(got, wantIDs) {
				t.Errorf("extensions %v, want %v (none of the real CA's)", got, wantIDs)
			}
			for _, id := range []asn1.ObjectIdentifier{oidAIA, oidCRL} {
				if findExt(real.Extensions, id) == nil || findExt(leaf.Extensions, id) != nil {
					t.Errorf("extension %s: the real certificate should have it, the stand-in not", id)
				}
			}
			if leaf.IsCA || !leaf.BasicConstraintsValid {
				t.Error("want CA:FALSE")
			}
			if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) || leaf.CheckSignatureFrom(ca) != nil {
				t.Errorf("issued by %q, want the lab %s CA", leaf.Issuer, tc.issuer)
			}
			switch k := leaf.PublicKey.(type) {
			case *rsa.PublicKey:
				if tc.keyType != "RSA" || k.N.BitLen() != tc.bits {
					t.Errorf("RSA %d, want %s %d", k.N.BitLen(), tc.keyType, tc.bits)
				}
			case *ecdsa.PublicKey:
				if tc.keyType != "ECDSA" || k.Curve.Params().BitSize != tc.bits {
					t.Errorf("ECDSA %d, want %s %d", k.Curve.Params().BitSize, tc.keyType, tc.bits)
				}
			default:
				t.Errorf("key %T", k)
			}
			if bytes.Equal(leaf.RawSubjectPublicKeyInfo, real.RawSubjectPublicKeyInfo) {
				t.Error("the real key was reused")
			}
			signer, ok := pair.PrivateKey.(crypto.Signer)
			if !ok || !signer.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(leaf.PublicKey) {
				t.Error("the private key is not the certificate's")
			}
			if want := now.Add(-time.Hour).Truncate(time.Second); !leaf.NotBefore.Equal(want) {
				t.Errorf("NotBefore %v, want %v", leaf.NotBefore, want)
			}
			if want := now.Add(labca.MaxLifetime).Truncate(time.Second); !leaf.NotAfter.Equal(want) {
				t.Errorf("NotAfter %v, want %v", leaf.NotAfter, want)
			}
		})
	}
}

func TestImitateValidity(t *testing.T) {
	a := open(t, t.TempDir())
	now := time.Now().Add(24 * time.Hour)
	key := testKey(t, "ECDSA", 256)
	// A real certificate ending sooner than the lab lifetime ends then.
	soon := now.Add(30 * 24 * time.Hour).Truncate(time.Second)
	certPEM, _ := realCert(t, key, now.Add(-24*time.Hour), soon)
	pair, err := a.Imitate(labca.Public, certPEM, now)
	if err != nil {
		t.Fatal(err)
	}
	if !pair.Leaf.NotAfter.Equal(soon) {
		t.Errorf("NotAfter %v, want the real %v", pair.Leaf.NotAfter, soon)
	}
	// An expired one gives an expired stand-in, so a client fails here
	// as it would with the real one.
	from, to := now.Add(-400*24*time.Hour).Truncate(time.Second), now.Add(-10*24*time.Hour).Truncate(time.Second)
	certPEM, _ = realCert(t, key, from, to)
	pair, err = a.Imitate(labca.Public, certPEM, now)
	if err != nil {
		t.Fatal(err)
	}
	if !pair.Leaf.NotBefore.Equal(from) || !pair.Leaf.NotAfter.Equal(to) {
		t.Errorf("validity %v to %v, want the real %v to %v", pair.Leaf.NotBefore, pair.Leaf.NotAfter, from, to)
	}
	_, err = pair.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(labca.Public), CurrentTime: now})
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Errorf("verifying the expired stand-in: %v, want expired", err)
	}
}

func TestImitateRefuses(t *testing.T) {
	a := open(t, t.TempDir())
	now := time.Now()
	certPEM, _ := realCert(t, testKey(t, "ECDSA", 256), now.Add(-time.Hour), now.Add(time.Hour))
	caOnly := certPEM[bytes.Index(certPEM, []byte("-----END CERTIFICATE-----"))+len("-----END CERTIFICATE-----\n"):]
	tests := []struct {
		name, issuer string
		pem          []byte
		want         string
	}{
		{"unknown issuer", "partner", certPEM, "unknown issuer"},
		{"not PEM", labca.Public, []byte("webext.contoso.com"), "no PEM certificate"},
		{"only a key", labca.Public, keyPEM(t, testKey(t, "ECDSA", 256)), "no PEM certificate"},
		{"a CA", labca.Public, caOnly, "is a CA certificate"},
		{"too large", labca.Public, append(bytes.Repeat([]byte{'\n'}, labca.MaxCertSize), certPEM...), "larger than"},
		{"not DER", labca.Public, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}}), "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Imitate(tt.issuer, tt.pem, now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
