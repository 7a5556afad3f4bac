package labca_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/labca"
)

var (
	oidSAN  = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidKU   = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidEKU  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidBC   = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSKI  = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAKI  = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidAIA  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidCRL  = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidTmpl = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2} // Windows certificate template name
)

// Keys are slow to make: one of each kind for the whole test binary.
var testKeys = struct {
	sync.Mutex
	m map[string]crypto.Signer
}{m: map[string]crypto.Signer{}}

func testKey(t testing.TB, keyType string, bits int) crypto.Signer {
	t.Helper()
	testKeys.Lock()
	defer testKeys.Unlock()
	id := fmt.Sprintf("%s-%d", keyType, bits)
	if k, ok := testKeys.m[id]; ok {
		return k
	}
	var k crypto.Signer
	var err error
	switch keyType {
	case "RSA":
		k, err = rsa.GenerateKey(rand.Reader, bits)
	case "ECDSA":
		curves := map[int]elliptic.Curve{256: elliptic.P256(), 384: elliptic.P384(), 521: elliptic.P521()}
		k, err = ecdsa.GenerateKey(curves[bits], rand.Reader)
	}
	if err != nil || k == nil {
		t.Fatalf("key %s %d: %v", keyType, bits, err)
	}
	testKeys.m[id] = k
	return k
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// plannedCert is a reverse proxy listener certificate as the planner
// makes one; SANs in plan order (subject first).
func plannedCert(keyType string, bits int) plan.Certificate {
	return plan.Certificate{
		Name:    "rp-listener",
		Subject: "webext.contoso.com",
		SANs:    []string{"webext.contoso.com", "lyncdiscover.contoso.com", "dialin.contoso.com", "meet.contoso.com", "lyncdiscover.fabrikam.com"},
		Issuer:  labca.Public,
		KeyType: keyType,
		KeyBits: bits,
		EKU:     []string{plan.EKUServerAuth, plan.EKUClientAuth},
	}
}

// plannedCSR is the CSR the certificate generator writes for c.
func plannedCSR(t testing.TB, c plan.Certificate) ([]byte, crypto.Signer) {
	t.Helper()
	key := testKey(t, c.KeyType, c.KeyBits)
	csr, err := certs.CSR(c, key)
	if err != nil {
		t.Fatal(err)
	}
	return csr, key
}

func parseCSR(t testing.TB, csrPEM []byte) *x509.CertificateRequest {
	t.Helper()
	b, _ := pem.Decode(csrPEM)
	req, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func findExt(exts []pkix.Extension, id asn1.ObjectIdentifier) *pkix.Extension {
	for i := range exts {
		if exts[i].Id.Equal(id) {
			return &exts[i]
		}
	}
	return nil
}

func extIDs(exts []pkix.Extension) []string {
	var s []string
	for _, e := range exts {
		s = append(s, e.Id.String())
	}
	slices.Sort(s)
	return s
}

// sameExt checks that cert carries ext exactly (value and criticality).
func sameExt(t *testing.T, cert *x509.Certificate, want *pkix.Extension) {
	t.Helper()
	got := findExt(cert.Extensions, want.Id)
	if got == nil {
		t.Errorf("extension %s missing", want.Id)
		return
	}
	if got.Critical != want.Critical || !bytes.Equal(got.Value, want.Value) {
		t.Errorf("extension %s = (critical %v) %x, want (critical %v) %x", want.Id, got.Critical, got.Value, want.Critical, want.Value)
	}
}

func pemCerts(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			t.Fatalf("PEM block %s in a chain", b.Type)
		}
		out = append(out, b.Bytes)
	}
	if len(bytes.TrimSpace(data)) > 0 {
		t.Fatalf("text after the chain: %q", data)
	}
	return out
}

func TestIssuePreservesTheRequest(t *testing.T) {
	a := open(t, t.TempDir())
	// Later than the CAs' creation, which NotBefore is never before.
	now := time.Now().Add(48*time.Hour + 500)
	for _, tc := range []struct {
		keyType string
		bits    int
		issuer  string
	}{
		{"RSA", 2048, labca.Public},
		{"ECDSA", 256, labca.Internal},
		{"ECDSA", 384, labca.Public},
	} {
		t.Run(tc.keyType+"-"+tc.issuer, func(t *testing.T) {
			pc := plannedCert(tc.keyType, tc.bits)
			csr, _ := plannedCSR(t, pc)
			req := parseCSR(t, csr)
			cert, chain, err := a.Issue(tc.issuer, csr, now)
			if err != nil {
				t.Fatal(err)
			}
			ca := a.Certificate(tc.issuer)
			if !bytes.Equal(cert.RawSubject, req.RawSubject) || cert.Subject.CommonName != pc.Subject {
				t.Errorf("subject %q, want %q", cert.Subject, req.Subject)
			}
			if !slices.Equal(cert.DNSNames, pc.SANs) {
				t.Errorf("SANs %v, want %v in this order", cert.DNSNames, pc.SANs)
			}
			if !bytes.Equal(cert.RawSubjectPublicKeyInfo, req.RawSubjectPublicKeyInfo) {
				t.Error("public key differs from the request's")
			}
			for _, id := range []asn1.ObjectIdentifier{oidSAN, oidKU, oidEKU} {
				want := findExt(req.Extensions, id)
				if want == nil {
					t.Fatalf("the generated CSR lacks %s", id)
				}
				sameExt(t, cert, want)
			}
			wantEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
			if !slices.Equal(cert.ExtKeyUsage, wantEKU) || len(cert.UnknownExtKeyUsage) != 0 {
				t.Errorf("EKU %v %v, want %v", cert.ExtKeyUsage, cert.UnknownExtKeyUsage, wantEKU)
			}
			wantKU := x509.KeyUsageDigitalSignature
			if tc.keyType == "RSA" {
				wantKU |= x509.KeyUsageKeyEncipherment
			}
			if cert.KeyUsage != wantKU {
				t.Errorf("key usage %b, want %b", cert.KeyUsage, wantKU)
			}
			// Nothing invented beyond basic constraints and key identifiers.
			wantIDs := extIDs([]pkix.Extension{{Id: oidSAN}, {Id: oidKU}, {Id: oidEKU}, {Id: oidBC}, {Id: oidSKI}, {Id: oidAKI}})
			if got := extIDs(cert.Extensions); !slices.Equal(got, wantIDs) {
				t.Errorf("extensions %v, want %v", got, wantIDs)
			}
			if !cert.BasicConstraintsValid || cert.IsCA {
				t.Error("want basic constraints CA:FALSE")
			}
			if len(cert.SubjectKeyId) != 20 || !bytes.Equal(cert.AuthorityKeyId, ca.SubjectKeyId) {
				t.Errorf("key identifiers: subject %x, authority %x (CA's %x)", cert.SubjectKeyId, cert.AuthorityKeyId, ca.SubjectKeyId)
			}
			if !bytes.Equal(cert.RawIssuer, ca.RawSubject) {
				t.Errorf("issuer %q, want the lab %s CA", cert.Issuer, tc.issuer)
			}
			if err := cert.CheckSignatureFrom(ca); err != nil {
				t.Errorf("not signed by the lab %s CA: %v", tc.issuer, err)
			}
			if got, want := cert.NotBefore, now.Add(-time.Hour).Truncate(time.Second); !got.Equal(want) {
				t.Errorf("NotBefore %v, want %v", got, want)
			}
			if got, want := cert.NotAfter, now.Add(labca.MaxLifetime).Truncate(time.Second); !got.Equal(want) {
				t.Errorf("NotAfter %v, want %v", got, want)
			}
			if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() < 64 {
				t.Errorf("serial %v is not a positive random number of 64 bits or more", cert.SerialNumber)
			}
			ders := pemCerts(t, chain)
			if len(ders) != 2 || !bytes.Equal(ders[0], cert.Raw) || !bytes.Equal(ders[1], ca.Raw) {
				t.Error("chain is not the certificate then the CA's")
			}
			again, _, err := a.Issue(tc.issuer, csr, now)
			if err != nil {
				t.Fatal(err)
			}
			if again.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				t.Error("two certificates with the same serial")
			}
		})
	}
}

// TestIssueExactRequest signs a request unlike the generator's: a whole
// DN with a multi-valued RDN, names of two kinds interleaved, a
// non-critical key usage, and an extension the lab leaves out.
func TestIssueExactRequest(t *testing.T) {
	a := open(t, t.TempDir())
	key := testKey(t, "ECDSA", 256)
	subject, err := asn1.Marshal(pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "US"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Contoso, Ltd"}},
		{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "Unified Communications"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 7}, Value: "Redmond"},
		},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "sip.contoso.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dns := func(s string) asn1.RawValue { return asn1.RawValue{Class: 2, Tag: 2, Bytes: []byte(s)} }
	san, err := asn1.Marshal([]asn1.RawValue{
		dns("sip.contoso.com"),
		{Class: 2, Tag: 7, Bytes: net.ParseIP("192.0.2.10").To4()},
		dns("*.contoso.com"),
		dns("access.contoso.com"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ku, _ := asn1.Marshal(asn1.BitString{Bytes: []byte{0x80}, BitLength: 1})
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}, {1, 3, 6, 1, 4, 1, 311, 10, 3, 12}})
	tmplName, _ := asn1.Marshal("WebServer")
	bcFalse, _ := asn1.Marshal(struct{}{})
	exts := []pkix.Extension{
		{Id: oidEKU, Value: eku},
		{Id: oidTmpl, Value: tmplName},
		{Id: oidSAN, Value: san},
		{Id: oidBC, Critical: true, Value: bcFalse},
		{Id: oidKU, Critical: false, Value: ku},
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{RawSubject: subject, ExtraExtensions: exts}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr := pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: der})
	cert, _, err := a.Issue(labca.Internal, append([]byte("Certificate request for sip.contoso.com\n"), csr...), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cert.RawSubject, subject) {
		t.Errorf("subject %q is not the request's DN byte for byte", cert.Subject)
	}
	for _, e := range []pkix.Extension{exts[0], exts[2], exts[4]} {
		sameExt(t, cert, &e)
	}
	if want := []string{"sip.contoso.com", "*.contoso.com", "access.contoso.com"}; !slices.Equal(cert.DNSNames, want) {
		t.Errorf("DNS names %v, want %v", cert.DNSNames, want)
	}
	if len(cert.IPAddresses) != 1 || !cert.IPAddresses[0].Equal(net.ParseIP("192.0.2.10")) {
		t.Errorf("IP addresses %v", cert.IPAddresses)
	}
	if findExt(cert.Extensions, oidTmpl) != nil {
		t.Error("the template name extension was copied")
	}
	if bc := findExt(cert.Extensions, oidBC); bc == nil || !bc.Critical || cert.IsCA {
		t.Error("want one critical basic constraints CA:FALSE")
	}
}

func csrWith(t *testing.T, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, testKey(t, "ECDSA", 256))
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestIssueRefuses(t *testing.T) {
	a := open(t, t.TempDir())
	good, _ := plannedCSR(t, plannedCert("ECDSA", 256))
	now := time.Now()
	ext := func(id asn1.ObjectIdentifier, critical bool, v any) pkix.Extension {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return pkix.Extension{Id: id, Critical: critical, Value: b}
	}
	cn := pkix.Name{CommonName: "webext.contoso.com"}
	badSig := func() []byte {
		b, _ := pem.Decode(good)
		der := bytes.Clone(b.Bytes)
		der[len(der)-1] ^= 0x01
		return pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der})
	}()
	tests := []struct {
		name   string
		issuer string
		csr    []byte
		want   string
	}{
		{"unknown issuer", "partner", good, `unknown issuer "partner"`},
		{"too large", labca.Public, append(bytes.Repeat([]byte("#\n"), labca.MaxCSRSize/2), good...), "larger than"},
		{"not PEM", labca.Public, []byte("MIIB..."), "no PEM block"},
		{"a certificate", labca.Public, readFile(t, a.CertFile(labca.Public)), `PEM block "CERTIFICATE"`},
		{"two requests", labca.Public, append(bytes.Clone(good), good...), "more than one PEM block"},
		{"not DER", labca.Public, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), "certificate request"},
		{"bad signature", labca.Public, badSig, "bad signature"},
		{"asks for a CA", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com"},
			ExtraExtensions: []pkix.Extension{ext(oidBC, true, struct{ IsCA bool }{true})}}), "CA:TRUE"},
		{"asks for keyCertSign", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com"},
			ExtraExtensions: []pkix.Extension{ext(oidKU, true, asn1.BitString{Bytes: []byte{0x84}, BitLength: 6})}}), "keyCertSign"},
		{"unknown critical extension", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com"},
			ExtraExtensions: []pkix.Extension{ext(asn1.ObjectIdentifier{1, 2, 3, 4}, true, 1)}}), "critical extension 1.2.3.4"},
		{"empty EKU", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com"},
			ExtraExtensions: []pkix.Extension{ext(oidEKU, false, []asn1.ObjectIdentifier{})}}), "empty extended key usage"},
		{"malformed key usage", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com"},
			ExtraExtensions: []pkix.Extension{{Id: oidKU, Critical: true, Value: []byte{0x05, 0x00}}}}), "malformed key usage"},
		{"email name", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com"},
			EmailAddresses: []string{"admin@contoso.com"}}), "email admin@contoso.com"},
		{"a UPN", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, ExtraExtensions: []pkix.Extension{ext(oidSAN, false, []asn1.RawValue{
			{Class: 2, Tag: 2, Bytes: []byte("webext.contoso.com")},
			{Class: 2, Tag: 0, IsCompound: true, Bytes: []byte{0x06, 0x03, 0x2a, 0x03, 0x04, 0xa0, 0x03, 0x0c, 0x01, 'u'}},
		})}}), "class 2, tag 0"},
		{"not a host name", labca.Public, csrWith(t, &x509.CertificateRequest{Subject: cn, DNSNames: []string{"webext.contoso.com", "bad name.contoso.com"}}), `"bad name.contoso.com" is not a host name`},
		{"no names at all", labca.Public, csrWith(t, &x509.CertificateRequest{}), "neither a subject nor subject alternative names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, chain, err := a.Issue(tt.issuer, tt.csr, now)
			if err == nil {
				t.Fatalf("issued %q", cert.Subject)
			}
			if cert != nil || chain != nil {
				t.Error("a certificate beside the error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestIssueWithinTheCA(t *testing.T) {
	a := open(t, t.TempDir())
	csr, _ := plannedCSR(t, plannedCert("ECDSA", 256))
	ca := a.Certificate(labca.Public)
	near := ca.NotAfter.Add(-30 * 24 * time.Hour)
	cert, _, err := a.Issue(labca.Public, csr, near)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.NotAfter.Equal(ca.NotAfter) {
		t.Errorf("NotAfter %v outlives the CA (%v)", cert.NotAfter, ca.NotAfter)
	}
	_, _, err = a.Issue(labca.Public, csr, ca.NotAfter.Add(time.Hour))
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), a.CertFile(labca.Public)) {
		t.Errorf("an expired CA: error %v, want one naming %s as expired", err, a.CertFile(labca.Public))
	}
}

func TestTLSCertificate(t *testing.T) {
	a := open(t, t.TempDir())
	csr, key := plannedCSR(t, plannedCert("RSA", 2048))
	cert, chain, err := a.Issue(labca.Public, csr, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pair, err := labca.TLSCertificate(cert, chain, keyPEM(t, key))
	if err != nil {
		t.Fatal(err)
	}
	// The chain is the certificate and the lab CA, a root the server
	// does not send.
	if pair.Leaf != cert || len(pair.Certificate) != 1 || !bytes.Equal(pair.Certificate[0], cert.Raw) {
		t.Errorf("the pair holds %d certificates, want the issued one alone", len(pair.Certificate))
	}
	if _, err := labca.TLSCertificate(cert, chain, keyPEM(t, testKey(t, "ECDSA", 256))); err == nil {
		t.Error("a key that is not the certificate's was accepted")
	}
	other, _, err := a.Issue(labca.Internal, csr, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := labca.TLSCertificate(other, chain, keyPEM(t, key)); err == nil {
		t.Error("a chain of another certificate was accepted")
	}
}

// TestIssueEmptySubject: with no subject the names are the identity, and
// RFC 5280 makes their extension critical.
func TestIssueEmptySubject(t *testing.T) {
	a := open(t, t.TempDir())
	csr := csrWith(t, &x509.CertificateRequest{DNSNames: []string{"sip.contoso.com"}})
	if san := findExt(parseCSR(t, csr).Extensions, oidSAN); san == nil || san.Critical {
		t.Fatal("want a request with a non-critical SAN")
	}
	cert, _, err := a.Issue(labca.Public, csr, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if san := findExt(cert.Extensions, oidSAN); san == nil || !san.Critical || !slices.Equal(cert.DNSNames, []string{"sip.contoso.com"}) {
		t.Error("want the request's names, critical")
	}
	if len(cert.Subject.Names) != 0 {
		t.Errorf("subject %q, want empty", cert.Subject)
	}
}
