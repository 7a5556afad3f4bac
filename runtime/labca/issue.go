package labca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// MaxCSRSize bounds the PEM certificate request Issue reads.
const MaxCSRSize = 64 << 10

// MaxCertSize bounds the PEM file Imitate reads (a certificate, perhaps
// followed by its chain).
const MaxCertSize = 256 << 10

// MaxLifetime is the longest validity of a lab certificate: what public
// CAs may issue, so a client's lifetime check passes as it would there.
const MaxLifetime = 397 * 24 * time.Hour

// backdate is how far before now a certificate becomes valid, for clocks
// that lag.
const backdate = time.Hour

// Object identifiers of the extensions a lab certificate takes from its
// request.
var (
	oidSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
)

// emptySubject is the DER of an empty distinguished name.
var emptySubject = []byte{0x30, 0x00}

// Issue signs the PEM certificate request csrPEM with the lab CA issuer
// ("public" or "internal", the plan's Certificate.Issuer) and returns the
// certificate and its chain (the certificate, then the CA's, in PEM).
//
// The certificate has exactly the request's subject (the DER as it is),
// public key, and subject alternative names, key usage and extended key
// usage extensions (as requested, in order, with their criticality); the
// lab CA adds only basic constraints CA:FALSE and the subject and
// authority key identifiers. The serial is random; validity runs from an
// hour before now for MaxLifetime, cut at the CA's own expiry. The
// request's signature is checked; a request for a CA, for keyCertSign,
// with a critical extension the lab does not know, or with names that are
// not host names or addresses is refused.
func (a *Authorities) Issue(issuer string, csrPEM []byte, now time.Time) (*x509.Certificate, []byte, error) {
	ca, err := a.authority(issuer)
	if err != nil {
		return nil, nil, err
	}
	if len(csrPEM) > MaxCSRSize {
		return nil, nil, fmt.Errorf("labca: certificate request of %d bytes is larger than %d", len(csrPEM), MaxCSRSize)
	}
	// certreq and older openssl write "NEW CERTIFICATE REQUEST".
	der, err := decodeOne(csrPEM, "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
	if err != nil {
		return nil, nil, fmt.Errorf("labca: certificate request: %w", err)
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, nil, fmt.Errorf("labca: certificate request: %w", err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, nil, fmt.Errorf("labca: certificate request: bad signature: %w", err)
	}
	if err := checkPublicKey(req.PublicKey); err != nil {
		return nil, nil, fmt.Errorf("labca: certificate request: %w", err)
	}
	exts, err := requestedExtensions(req)
	if err != nil {
		return nil, nil, fmt.Errorf("labca: certificate request: %w", err)
	}
	if err := ca.validAt(now); err != nil {
		return nil, nil, err
	}
	notBefore, notAfter := ca.clamp(now.Add(-backdate), now.Add(MaxLifetime))
	return ca.sign(req.RawSubject, req.PublicKey, req.RawSubjectPublicKeyInfo, exts, notBefore, notAfter)
}

// requestedExtensions checks the request's extensions and returns those
// the certificate takes, raw and in the request's order.
func requestedExtensions(req *x509.CertificateRequest) ([]pkix.Extension, error) {
	var out []pkix.Extension
	hasSAN := false
	for _, e := range req.Extensions {
		switch {
		case e.Id.Equal(oidSubjectAltName):
			// Parsed already (req.DNSNames, …) by ParseCertificateRequest,
			// which passes over the kinds of name it does not know.
			if len(req.EmailAddresses) > 0 || len(req.URIs) > 0 {
				return nil, fmt.Errorf("subject alternative names of a kind the lab does not issue (%s)", otherNames(req.EmailAddresses, req.URIs))
			}
			if err := onlyHostsAndAddresses(e.Value); err != nil {
				return nil, err
			}
			for _, n := range req.DNSNames {
				if err := checkDNSName(n); err != nil {
					return nil, err
				}
			}
			if len(req.DNSNames)+len(req.IPAddresses) == 0 {
				return nil, errors.New("an empty subject alternative name extension")
			}
			// RFC 5280 4.2.1.6: with an empty subject the names are
			// critical.
			if bytes.Equal(req.RawSubject, emptySubject) {
				e.Critical = true
			}
			hasSAN = true
			out = append(out, e)
		case e.Id.Equal(oidKeyUsage):
			if err := checkKeyUsage(e.Value); err != nil {
				return nil, err
			}
			out = append(out, e)
		case e.Id.Equal(oidExtKeyUsage):
			if err := checkExtKeyUsage(e.Value); err != nil {
				return nil, err
			}
			out = append(out, e)
		case e.Id.Equal(oidBasicConstraints):
			var bc struct {
				IsCA       bool `asn1:"optional"`
				MaxPathLen int  `asn1:"optional,default:-1"`
			}
			if rest, err := asn1.Unmarshal(e.Value, &bc); err != nil || len(rest) > 0 {
				return nil, errors.New("malformed basic constraints")
			}
			if bc.IsCA {
				return nil, errors.New("asks for a CA certificate (basic constraints CA:TRUE); the lab CAs issue only end-entity certificates")
			}
			// CA:FALSE is what the lab adds anyway.
		case e.Id.Equal(oidSubjectKeyID):
			// The lab computes it from the key.
		default:
			if e.Critical {
				return nil, fmt.Errorf("asks for critical extension %s, which the lab CA does not issue", e.Id)
			}
			// A non-critical extension the lab does not issue (a
			// Windows template name, say) is left out, as CAs do.
		}
	}
	if !hasSAN && bytes.Equal(req.RawSubject, emptySubject) {
		return nil, errors.New("neither a subject nor subject alternative names")
	}
	return out, nil
}

func otherNames(emails []string, uris []*url.URL) string {
	var s []string
	for _, e := range emails {
		s = append(s, "email "+e)
	}
	for _, u := range uris {
		s = append(s, "URI "+u.String())
	}
	return strings.Join(s, ", ")
}

// onlyHostsAndAddresses refuses a SAN value holding a name other than a
// dNSName [2] or an iPAddress [7] (an otherName, a directoryName, …).
func onlyHostsAndAddresses(v []byte) error {
	var names []asn1.RawValue
	if rest, err := asn1.Unmarshal(v, &names); err != nil || len(rest) > 0 {
		return errors.New("malformed subject alternative names")
	}
	for _, n := range names {
		if n.Class != asn1.ClassContextSpecific || (n.Tag != 2 && n.Tag != 7) {
			return fmt.Errorf("a subject alternative name of a kind the lab does not issue (class %d, tag %d); only host names and addresses", n.Class, n.Tag)
		}
	}
	return nil
}

// checkDNSName accepts a host name, or a wildcard in its first label.
func checkDNSName(n string) error {
	bad := func(why string) error {
		return fmt.Errorf("subject alternative name %q is not a host name: %s", n, why)
	}
	if n == "" || len(n) > 253 {
		return bad("length")
	}
	for i, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 {
			return bad("empty or long label")
		}
		if label == "*" && i == 0 {
			continue
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return bad(fmt.Sprintf("character %q", r))
			}
		}
	}
	return nil
}

// checkKeyUsage parses a key usage value and refuses the CA bits, which
// a CA:FALSE certificate cannot have.
func checkKeyUsage(v []byte) error {
	var bits asn1.BitString
	if rest, err := asn1.Unmarshal(v, &bits); err != nil || len(rest) > 0 {
		return errors.New("malformed key usage")
	}
	const keyCertSign, cRLSign = 5, 6
	if bits.At(keyCertSign) == 1 || bits.At(cRLSign) == 1 {
		return errors.New("asks for key usage keyCertSign or cRLSign; the lab CAs issue only end-entity certificates")
	}
	return nil
}

// checkExtKeyUsage parses an extended key usage value: one or more OIDs.
func checkExtKeyUsage(v []byte) error {
	var oids []asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(v, &oids); err != nil || len(rest) > 0 {
		return errors.New("malformed extended key usage")
	}
	if len(oids) == 0 {
		return errors.New("an empty extended key usage")
	}
	return nil
}

// checkPublicKey accepts the key types and sizes TLS servers use.
func checkPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 1024 || n > 16384 {
			return fmt.Errorf("RSA key of %d bits (want 1024 to 16384)", n)
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("ECDSA key on curve %s", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("unsupported public key type %T", pub)
}

// validAt returns an error if the CA is not valid at now.
func (ca *authority) validAt(now time.Time) error {
	if now.After(ca.cert.NotAfter) {
		return fmt.Errorf("labca: the lab %s CA %s expired on %s; remove %s and %s to make a new one (clients must then trust the new one)",
			ca.issuer, ca.certFile, ca.cert.NotAfter.Format(time.RFC3339), ca.certFile, ca.keyFile)
	}
	if now.Before(ca.cert.NotBefore) {
		return fmt.Errorf("labca: the lab %s CA %s is valid only from %s (is the clock right?)", ca.issuer, ca.certFile, ca.cert.NotBefore.Format(time.RFC3339))
	}
	return nil
}

// clamp cuts [from, to] to the CA's own validity.
func (ca *authority) clamp(from, to time.Time) (time.Time, time.Time) {
	if from.Before(ca.cert.NotBefore) {
		from = ca.cert.NotBefore
	}
	if to.After(ca.cert.NotAfter) {
		to = ca.cert.NotAfter
	}
	return from, to
}

// sign makes the end-entity certificate and its chain PEM.
func (ca *authority) sign(rawSubject []byte, pub crypto.PublicKey, spki []byte, exts []pkix.Extension, notBefore, notAfter time.Time) (*x509.Certificate, []byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	skid, err := keyID(spki)
	if err != nil {
		return nil, nil, fmt.Errorf("labca: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            rawSubject,
		NotBefore:             notBefore.UTC().Truncate(time.Second),
		NotAfter:              notAfter.UTC().Truncate(time.Second),
		BasicConstraintsValid: true, // CA:FALSE
		SubjectKeyId:          skid,
		ExtraExtensions:       exts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("labca: signing with the lab %s CA: %w", ca.issuer, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("labca: the certificate the lab %s CA made does not parse: %w", ca.issuer, err)
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	return cert, chain, nil
}

// keyID is the subject key identifier of a SubjectPublicKeyInfo: the
// leftmost 160 bits of the SHA-256 of its key bits (RFC 7093 method 1,
// as crypto/x509 makes for CAs).
func keyID(spki []byte) ([]byte, error) {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) > 0 {
		return nil, errors.New("malformed public key info")
	}
	h := sha256.Sum256(info.PublicKey.Bytes)
	return h[:20], nil
}

// TLSCertificate joins a certificate Issue made, its chain PEM and its
// private key (the planned key, PEM) for a TLS server; the key must be
// the certificate's. A self-signed root at the end of the chain is not
// sent, as deployed servers do not send theirs: a client that does not
// trust the lab CA fails as it would in the field (no local issuer), not
// on a self-signed certificate it was handed.
func TLSCertificate(cert *x509.Certificate, chainPEM, keyPEM []byte) (tls.Certificate, error) {
	pair, err := tls.X509KeyPair(chainPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("labca: %w", err)
	}
	if cert != nil {
		if !bytes.Equal(pair.Certificate[0], cert.Raw) {
			return tls.Certificate{}, fmt.Errorf("labca: the chain does not start with the certificate of %q", cert.Subject)
		}
		pair.Leaf = cert
	}
	if n := len(pair.Certificate); n > 1 {
		root, err := x509.ParseCertificate(pair.Certificate[n-1])
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("labca: chain: %w", err)
		}
		if bytes.Equal(root.RawSubject, root.RawIssuer) && root.CheckSignatureFrom(root) == nil {
			pair.Certificate = pair.Certificate[:n-1]
		}
	}
	return pair, nil
}
