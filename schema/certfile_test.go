package schema

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func makeCert(t *testing.T, key any, pub any, eku []x509.ExtKeyUsage, cdp []string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "webext.contoso.com"},
		DNSNames:              []string{"webext.contoso.com", "lyncdiscover.contoso.com"},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		ExtKeyUsage:           eku,
		CRLDistributionPoints: cdp,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestInspectPEM(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaPEM := makeCert(t, rk, &rk.PublicKey, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, []string{"http://crl.contoso.com/ca.crl"})
	info, err := InspectPEM(append(rsaPEM, rsaPEM...))
	if err != nil {
		t.Fatal(err)
	}
	if info.Subject != "webext.contoso.com" || strings.Join(info.SANs, ",") != "webext.contoso.com,lyncdiscover.contoso.com" ||
		info.KeyBits != 2048 || strings.Join(info.EKU, ",") != "client-auth,server-auth" || !info.HasCDP ||
		info.SigAlg != "sha256-rsa" || info.Chain != 2 || info.NotAfter.Year() != 2027 {
		t.Errorf("RSA certificate: %+v", info)
	}
	info, err = InspectPEM(makeCert(t, ek, &ek.PublicKey, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if info.KeyBits != 256 || info.SigAlg != "ecdsa-sha256" || info.HasCDP || len(info.EKU) != 0 {
		t.Errorf("ECDSA certificate: %+v", info)
	}

	for name, data := range map[string][]byte{
		"empty":       nil,
		"not pem":     []byte("hello"),
		"private key": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1}}),
		"garbage der": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}}),
	} {
		if _, err := InspectPEM(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestConfinedPath(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "certs"), 0o755)
	os.WriteFile(filepath.Join(root, "certs", "a.pem"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(outside, "b.pem"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(outside, "b.pem"), filepath.Join(root, "certs", "link.pem"))

	if _, err := ConfinedPath(root, "certs/a.pem"); err != nil {
		t.Errorf("inside path refused: %v", err)
	}
	for _, bad := range []string{"../x.pem", "certs/../../x.pem", "/etc/passwd", "certs/link.pem", "certs/missing.pem"} {
		if _, err := ConfinedPath(root, bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
