package labca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Imitate returns a lab certificate, signed by the lab CA issuer, that
// stands in for the real certificate certPEM (its first certificate; a
// chain after it is ignored), whose key the runtime does not have: the
// same subject (the whole DN, as DER), subject alternative names, key
// usage and extended key usage extensions, and a fresh key of the same
// type and size. A name the real certificate lacks thus fails here too.
//
// Validity is the real certificate's cut to MaxLifetime from an hour
// before now; a real certificate that has expired, or is not valid yet,
// gives a lab certificate that has expired or is not valid yet too.
func (a *Authorities) Imitate(issuer string, certPEM []byte, now time.Time) (tls.Certificate, error) {
	ca, err := a.authority(issuer)
	if err != nil {
		return tls.Certificate{}, err
	}
	if len(certPEM) > MaxCertSize {
		return tls.Certificate{}, fmt.Errorf("labca: certificate file of %d bytes is larger than %d", len(certPEM), MaxCertSize)
	}
	var der []byte
	for rest := certPEM; der == nil; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return tls.Certificate{}, errors.New("labca: no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			der = b.Bytes
		}
	}
	real, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("labca: certificate: %w", err)
	}
	if real.IsCA {
		return tls.Certificate{}, fmt.Errorf("labca: certificate %q is a CA certificate, not a server's", real.Subject)
	}
	var exts []pkix.Extension
	for _, e := range real.Extensions {
		switch {
		case e.Id.Equal(oidSubjectAltName), e.Id.Equal(oidExtKeyUsage):
			exts = append(exts, e)
		case e.Id.Equal(oidKeyUsage):
			if err := checkKeyUsage(e.Value); err != nil {
				return tls.Certificate{}, fmt.Errorf("labca: certificate %q: %w", real.Subject, err)
			}
			exts = append(exts, e)
		}
		// The rest (authority information, CRLs, policies, SCTs, key
		// identifiers) speaks of the real CA, not of the server.
	}
	key, err := newKeyLike(real.PublicKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("labca: certificate %q: %w", real.Subject, err)
	}
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("labca: %w", err)
	}
	if err := ca.validAt(now); err != nil {
		return tls.Certificate{}, err
	}
	from, to := now.Add(-backdate), now.Add(MaxLifetime)
	if real.NotBefore.After(from) {
		from = real.NotBefore
	}
	if real.NotAfter.Before(to) {
		to = real.NotAfter
	}
	if to.After(from) {
		from, to = ca.clamp(from, to)
	} else {
		// Expired, or not valid yet: so is the stand-in.
		from, to = real.NotBefore, real.NotAfter
	}
	cert, _, err := ca.sign(real.RawSubject, key.Public(), spki, exts, from, to)
	if err != nil {
		return tls.Certificate{}, err
	}
	// The lab CA is a root: not sent, as TLSCertificate explains.
	return tls.Certificate{
		Certificate: [][]byte{cert.Raw},
		PrivateKey:  key,
		Leaf:        cert,
	}, nil
}

// newKeyLike makes a key of the same type and size as pub.
func newKeyLike(pub crypto.PublicKey) (crypto.Signer, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		// Bounded: an RSA key takes longer to make the larger it is.
		n := k.N.BitLen()
		if n < 1024 || n > 8192 {
			return nil, fmt.Errorf("RSA key of %d bits (the lab makes 1024 to 8192)", n)
		}
		return rsa.GenerateKey(rand.Reader, n)
	case *ecdsa.PublicKey:
		if err := checkPublicKey(k); err != nil {
			return nil, err
		}
		return ecdsa.GenerateKey(k.Curve, rand.Reader)
	case ed25519.PublicKey:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
	return nil, fmt.Errorf("unsupported public key type %T", pub)
}
