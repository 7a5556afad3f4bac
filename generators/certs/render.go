package certs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/encode"
	"github.com/mobplan/mobplan/planner/plan"
)

// checkNames refuses a subject or SAN that is not a DNS name (a
// wildcard first label allowed): the names are written into INF and
// OpenSSL config syntax.
func checkNames(c plan.Certificate) error {
	if err := encode.DNSName(c.Subject, dnsName); err != nil {
		return err
	}
	for _, n := range c.SANs {
		if err := encode.DNSName(n, dnsName); err != nil {
			return err
		}
	}
	return nil
}

// dnsName is what a certificate may name, as the reverse proxy's
// configuration takes it.
var dnsName = encode.DNSOptions{Wildcard: true, Single: true}

// Both request files are read line by line: OpenSSL's configuration
// (NCONF) has "[ section ]" headers, "name = value" lines, '#' comments,
// '\' escapes, quotes and $name or ${section::name} expansion in
// values, and joins a line that ends in a single '\' to the next one,
// comments included; certreq's INF has "[Section]" headers, "Key =
// value" lines, ';' comments, double-quoted values (a quote doubled
// inside) and %name% substitution. The encoders escape nothing: names
// are the planner's file stems and DNS names, whose characters are
// special in neither format, and comments are text on one line that
// does not end in '\'; any other value is an error.

// checkRequest checks every value INF and CNF write outside comments.
func checkRequest(c plan.Certificate) error {
	if !safeName.MatchString(c.Name) {
		return fmt.Errorf("certificate name %q is not a safe file name", c.Name)
	}
	if err := checkNames(c); err != nil {
		return err
	}
	// Each chooses lines of the files: anything else is a plan error.
	if c.Issuer != "public" && c.Issuer != "internal" {
		return fmt.Errorf("issuer %q is neither public nor internal", c.Issuer)
	}
	if c.KeyType != "RSA" && c.KeyType != "ECDSA" {
		return fmt.Errorf("key type %q is neither RSA nor ECDSA", c.KeyType)
	}
	if c.Issuer == "internal" && c.Template == "" {
		return fmt.Errorf("an internal CA certificate names no template")
	}
	for _, n := range []string{c.Name, c.Subject, c.Template} {
		if err := plainValue(n); err != nil {
			return err
		}
	}
	for _, n := range c.SANs {
		if err := plainValue(n); err != nil {
			return err
		}
	}
	return nil
}

// plainValue refuses a value with a character that either format reads
// specially: anything but letters, digits, '.', '_', '-' and '*'.
func plainValue(s string) error {
	for i := 0; i < len(s); i++ {
		// By byte: no byte of a non-ASCII character passes.
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '*') {
			return fmt.Errorf("%q cannot be written in a request file", s)
		}
	}
	return nil
}

// requestBuffer is a buffer for c's INF or CNF, sized for its SAN lines
// (hundreds of KB at scale) so that it is not copied as it grows.
func requestBuffer(c plan.Certificate) *bytes.Buffer {
	n := 4096
	for _, s := range c.SANs {
		n += len(s) + 24
	}
	return bytes.NewBuffer(make([]byte, 0, n))
}

// comments returns lines as comment lines after marker ("#" or ";").
func comments(marker string, lines ...string) (string, error) {
	var b strings.Builder
	for _, l := range lines {
		if err := encode.Line(l); err != nil {
			return "", fmt.Errorf("cannot be written in a comment: %w", err)
		}
		if strings.HasSuffix(l, `\`) {
			return "", fmt.Errorf("%q cannot end a comment line: a line ending in '\\' continues on the next", l)
		}
		b.WriteString(strings.TrimRight(marker+" "+l, " ") + "\n")
	}
	return b.String(), nil
}

// ekuNames are the OpenSSL and Windows names of each extended key usage.
var ekuNames = map[string][2]string{
	plan.EKUServerAuth: {"serverAuth", "Server Authentication"},
	plan.EKUClientAuth: {"clientAuth", "Client Authentication"},
}

// describe is the comment block that says what the certificate is for.
func describe(c plan.Certificate) []string {
	issuer := "an internal CA"
	if c.Issuer == "public" {
		issuer = "a public CA"
	}
	return []string{
		fmt.Sprintf("%s: %s certificate for %s, from %s.", c.Name, strings.Join(c.Usage, ", "), strings.Join(c.AssignTo, ", "), issuer),
		"Why: " + c.Why + ".",
	}
}

// Exportable: one key is shared by every Edge server of a pool, and the
// reverse proxy's key is moved to the proxy.
func Exportable(c plan.Certificate) bool {
	for _, u := range c.Usage {
		switch u {
		case plan.UsageEdgeExternal, plan.UsageEdgeInternal, plan.UsageRPListener:
			return true
		}
	}
	return false
}

func hashName(c plan.Certificate) string {
	switch {
	case c.KeyType == "ECDSA" && c.KeyBits > 384:
		return "sha512"
	case c.KeyType == "ECDSA" && c.KeyBits > 256:
		return "sha384"
	}
	return "sha256"
}

// INF is the certreq request file for Windows. certreq -new makes the key
// on the server that runs it (so that key, not the key store's, is the
// one the issued certificate goes with).
func INF(c plan.Certificate) ([]byte, error) {
	if err := checkRequest(c); err != nil {
		return nil, err
	}
	return inf(c)
}

// inf is INF for a certificate checkRequest passed.
func inf(c plan.Certificate) ([]byte, error) {
	head, err := comments(";", append([]string{Header}, describe(c)...)...)
	if err != nil {
		return nil, err
	}
	b := requestBuffer(c)
	line := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	b.WriteString(head)
	line(";")
	line("; On the server:  certreq -new %s.inf %s.req", c.Name, c.Name)
	if c.Issuer == "public" {
		line("; then send %s.req to the public CA (certs/public-ca-orders.csv), and", c.Name)
	} else {
		line(`; then:           certreq -submit -config "<CA host>\<CA name>" %s.req %s.cer`, c.Name, c.Name)
	}
	line("; on the same server: certreq -accept %s.cer", c.Name)
	line("; (REPORT.md, Certificate enrollment, has every step.)")
	line("")
	line("[Version]")
	line(`Signature = "$Windows NT$"`)
	line("")
	line("[NewRequest]")
	line(`Subject = "CN=%s"`, c.Subject)
	if c.KeyType == "ECDSA" {
		line("KeyAlgorithm = ECDSA_P%d", c.KeyBits)
		line("KeyLength = %d", c.KeyBits)
		line("KeyUsage = 0x80 ; digital signature")
		line(`ProviderName = "Microsoft Software Key Storage Provider"`)
	} else {
		line("KeyAlgorithm = RSA")
		line("KeyLength = %d", c.KeyBits)
		line("KeySpec = 1")
		line("KeyUsage = 0xa0 ; digital signature, key encipherment")
		line(`ProviderName = "Microsoft RSA SChannel Cryptographic Provider"`)
		line("ProviderType = 12")
	}
	line("HashAlgorithm = %s", hashName(c))
	line("MachineKeySet = TRUE")
	line("Exportable = %s", strings.ToUpper(fmt.Sprint(Exportable(c))))
	line("SMIME = FALSE")
	line("RequestType = PKCS10")
	line(`FriendlyName = "%s"`, c.Name)
	line("")
	line("[EnhancedKeyUsageExtension]")
	for _, e := range c.EKU {
		oid, ok := ekuOIDs[e]
		if !ok {
			return nil, fmt.Errorf("unknown extended key usage %q", e)
		}
		line("OID = %s ; %s", oid, ekuNames[e][1])
	}
	if len(c.SANs) > 0 {
		line("")
		line("[Extensions]")
		line(`2.5.29.17 = "{text}"`)
		for i, s := range c.SANs {
			sep := "&"
			if i == len(c.SANs)-1 {
				sep = ""
			}
			// Written out: the lists are long (fmt was most of the time).
			b.WriteString(`_continue_ = "dns=`)
			b.WriteString(s)
			b.WriteString(sep + "\"\n")
		}
	}
	if c.Issuer != "public" {
		line("")
		line("[RequestAttributes]")
		line("; The template issues exactly the extended key usages above (pki template_eku).")
		line("CertificateTemplate = %s", c.Template)
	}
	return b.Bytes(), nil
}

// CNF is the OpenSSL req configuration: the same subject, SANs and
// extensions as the CSR, for the key in the key store or a new one. With
// the key-store RSA key it gives a request byte-identical to the .csr.
func CNF(c plan.Certificate) ([]byte, error) {
	if err := checkRequest(c); err != nil {
		return nil, err
	}
	return cnf(c)
}

// cnf is CNF for a certificate checkRequest passed.
func cnf(c plan.Certificate) ([]byte, error) {
	head, err := comments("#", append([]string{Header}, describe(c)...)...)
	if err != nil {
		return nil, err
	}
	b := requestBuffer(c)
	line := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	b.WriteString(head)
	newKey := fmt.Sprintf("rsa:%d", c.KeyBits)
	keyUsage := "digitalSignature, keyEncipherment"
	if c.KeyType == "ECDSA" {
		newKey = fmt.Sprintf("ec -pkeyopt ec_paramgen_curve:P-%d", c.KeyBits)
		keyUsage = "digitalSignature"
	}
	line("#")
	line("# With the key in mobplan's key store (.mobplan/keys beside the topology")
	line("# unless set otherwise), this gives the request in %s.csr:", c.Name)
	line("#   openssl req -new -config %s.cnf -key .mobplan/keys/%s.key -out %s.csr", c.Name, c.Name, c.Name)
	line("# With a new key instead:")
	line("#   openssl req -new -config %s.cnf -newkey %s -nodes -keyout %s.key -out %s.csr", c.Name, newKey, c.Name, c.Name)
	if c.Issuer == "public" {
		line("# Then send %s.csr to the public CA (certs/public-ca-orders.csv).", c.Name)
	} else {
		line("# Then, on a Windows machine that reaches the enterprise CA:")
		line(`#   certreq -submit -attrib "CertificateTemplate:%s" -config "<CA host>\<CA name>" %s.csr %s.cer`, c.Template, c.Name, c.Name)
	}
	line("")
	line("[ req ]")
	line("prompt             = no")
	line("distinguished_name = dn")
	line("req_extensions     = ext")
	line("default_md         = %s", hashName(c))
	// PrintableString for ASCII names, as Go encodes them: with the
	// key-store key, openssl then writes the very bytes of the .csr.
	line("string_mask        = pkix")
	line("")
	line("[ dn ]")
	line("CN = %s", c.Subject)
	line("")
	line("[ ext ]")
	if len(c.SANs) > 0 {
		line("subjectAltName   = @alt_names")
	}
	line("keyUsage         = critical, %s", keyUsage)
	var eku []string
	for _, e := range c.EKU {
		n, ok := ekuNames[e]
		if !ok {
			return nil, fmt.Errorf("unknown extended key usage %q", e)
		}
		eku = append(eku, n[0])
	}
	line("extendedKeyUsage = %s", strings.Join(eku, ", "))
	if len(c.SANs) > 0 {
		line("")
		line("[ alt_names ]")
		for i, s := range c.SANs {
			// Written out: the lists are long.
			b.WriteString("DNS.")
			b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(i+1), 10))
			b.WriteString(" = ")
			b.WriteString(s)
			b.WriteString("\n")
		}
	}
	return b.Bytes(), nil
}
