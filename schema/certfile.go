package schema

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// CertInfo is what an existing certificate file says about itself.
type CertInfo struct {
	Subject  string
	SANs     []string
	NotAfter time.Time
	KeyBits  int
	EKU      []string
	HasCDP   bool
	SigAlg   string
	// Chain is how many certificates the file holds (leaf first).
	Chain int
}

// InspectPEM reads the first certificate of a PEM bundle.
func InspectPEM(data []byte) (CertInfo, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			if strings.Contains(b.Type, "PRIVATE KEY") {
				return CertInfo{}, fmt.Errorf("the file holds a private key; keep keys out of the topology and give only the certificate")
			}
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return CertInfo{}, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return CertInfo{}, fmt.Errorf("no PEM CERTIFICATE block found")
	}
	c := certs[0]
	info := CertInfo{Subject: c.Subject.CommonName, SANs: append([]string(nil), c.DNSNames...), NotAfter: c.NotAfter.UTC(), HasCDP: len(c.CRLDistributionPoints) > 0, Chain: len(certs)}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		info.KeyBits = k.N.BitLen()
	case *ecdsa.PublicKey:
		info.KeyBits = k.Curve.Params().BitSize
	case ed25519.PublicKey:
		info.KeyBits = 256
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth:
			info.EKU = append(info.EKU, "server-auth")
		case x509.ExtKeyUsageClientAuth:
			info.EKU = append(info.EKU, "client-auth")
		}
	}
	sort.Strings(info.EKU)
	info.SigAlg = map[x509.SignatureAlgorithm]string{
		x509.SHA1WithRSA: "sha1-rsa", x509.SHA256WithRSA: "sha256-rsa", x509.SHA384WithRSA: "sha384-rsa",
		x509.SHA512WithRSA: "sha512-rsa", x509.SHA256WithRSAPSS: "rsassa-pss", x509.SHA384WithRSAPSS: "rsassa-pss",
		x509.SHA512WithRSAPSS: "rsassa-pss", x509.ECDSAWithSHA256: "ecdsa-sha256", x509.ECDSAWithSHA384: "ecdsa-sha384",
		x509.MD5WithRSA: "md5-rsa",
	}[c.SignatureAlgorithm]
	if info.SigAlg == "" {
		info.SigAlg = strings.ToLower(c.SignatureAlgorithm.String())
	}
	return info, nil
}

// inspectFiles fills each certificate that names a PEM file with what the
// file says. A value the topology also declares must agree with the file.
func inspectFiles(doc *canon.Document) diag.Diagnostics {
	var ds diag.Diagnostics
	certs, _ := doc.Value["certificates"].(map[string]any)
	names := make([]string, 0, len(certs))
	for n := range certs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c, _ := certs[n].(map[string]any)
		file, ok := c["file"].(string)
		if !ok {
			continue
		}
		at := canon.Path{"certificates", n, "file"}
		fail := func(format string, args ...any) {
			// What the file would have provided is not missing as well.
			for _, k := range fileFields {
				doc.Failed[canon.Path{"certificates", n, k}.Key()] = true
			}
			d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleFile, Summary: "Cannot use certificate file", Detail: fmt.Sprintf(format, args...),
				Hint: "Give the path of a PEM certificate inside the topology folder."}
			if r, ok := doc.RangeOf(at); ok {
				d.Range = &r
			}
			ds = append(ds, d)
		}
		if filepath.IsAbs(file) {
			fail("%s: absolute paths are not allowed; give a path relative to the topology folder", file)
			continue
		}
		// Read as the topology's own files are: confined, regular, bounded.
		data, err := canon.ReadFile(doc.Root, filepath.Join(doc.Root, file))
		if err != nil {
			fail("%s", err)
			continue
		}
		info, err := InspectPEM(data)
		if err != nil {
			fail("%s: %s", file, err)
			continue
		}
		found := map[string]any{
			"subject":   info.Subject,
			"sans":      toAnyList(info.SANs),
			"not_after": info.NotAfter.Format(time.RFC3339),
			"key_bits":  int64(info.KeyBits),
			"eku":       toAnyList(info.EKU),
			"has_cdp":   info.HasCDP,
			"sig_alg":   info.SigAlg,
		}
		for _, k := range fileFields {
			if declared, ok := c[k]; ok {
				same := fmt.Sprint(declared) == fmt.Sprint(found[k])
				if k == "subject" || k == "sans" {
					// DNS names: letter case does not matter (names.go).
					same = strings.EqualFold(fmt.Sprint(declared), fmt.Sprint(found[k]))
				}
				if !same {
					d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleFile, Summary: "Declared value differs from the certificate file",
						Detail: fmt.Sprintf("%s is declared as %v, but %s says %v.", k, declared, file, found[k]),
						Hint:   "Remove the declared value (the file is inspected) or point at the right file."}
					if r, ok := doc.RangeOf(canon.Path{"certificates", n, k}); ok {
						d.Range = &r
					}
					ds = append(ds, d)
				}
				continue
			}
			c[k] = found[k]
			if r, ok := doc.RangeOf(at); ok {
				doc.SetRange(canon.Path{"certificates", n, k}, r)
			}
		}
	}
	return ds
}

// fileFields are the certificate attributes a PEM file provides.
var fileFields = []string{"subject", "sans", "not_after", "key_bits", "eku", "has_cdp", "sig_alg"}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ConfinedPath resolves rel inside root and refuses paths (or symbolic
// links) that lead outside it.
func ConfinedPath(root, rel string) (string, error) {
	if filepath.IsAbs(rel) {
		return "", fmt.Errorf("%s: absolute paths are not allowed; give a path relative to the topology folder", rel)
	}
	full := filepath.Join(root, rel)
	if err := canon.Confine(root, full); err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", fmt.Errorf("%s: %w", rel, unwrapPathErr(err))
	}
	return real, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
