package plan

import (
	"fmt"
	"slices"
	"strings"
)

// PublicReissues says, in deployment terms, which changes mean a new
// order from a public CA: a public certificate that is new, or whose
// subject, SANs, key or EKU changed ("re-issue rp-listener from the
// public CA: SAN lyncdiscover.tailspin.com added"). A public CA issues
// a certificate for exactly what was ordered, so each such change costs
// an order and a deployment of the new certificate. Certificates that
// exist already (a declared file) are not ordered. Compare includes
// these lines; they are one function so a view can show them apart.
func PublicReissues(old, new *Plan) []Difference {
	if new == nil {
		return nil
	}
	prev := map[string]Certificate{}
	if old != nil {
		for _, c := range old.Certificates {
			prev[c.Name] = c
		}
	}
	var out []Difference
	for _, n := range new.Certificates {
		if n.Issuer != "public" || n.Existing() {
			continue
		}
		o, had := prev[n.Name]
		if !had {
			out = append(out, Difference{"certificate", "+", "order " + n.Name + " from the public CA",
				fmt.Sprintf("new certificate for %s with %d SANs", n.Subject, len(n.SANs))})
			continue
		}
		subject := "re-issue " + n.Name + " from the public CA"
		change := func(format string, a ...any) {
			out = append(out, Difference{"certificate", "~", subject, fmt.Sprintf(format, a...)})
		}
		if o.Issuer != "public" {
			change("it was from the %s CA", orNone(o.Issuer))
		}
		if o.Subject != n.Subject {
			change("subject %s -> %s", o.Subject, n.Subject)
		}
		for _, s := range sortedDiff(set(n.SANs), set(o.SANs)) {
			change("SAN %s added", s)
		}
		for _, s := range sortedDiff(set(o.SANs), set(n.SANs)) {
			change("SAN %s removed", s)
		}
		if o.KeyType != n.KeyType || o.KeyBits != n.KeyBits {
			change("key %s %d -> %s %d", o.KeyType, o.KeyBits, n.KeyType, n.KeyBits)
		}
		if oe, ne := slices.Sorted(slices.Values(o.EKU)), slices.Sorted(slices.Values(n.EKU)); !slices.Equal(oe, ne) {
			change("EKU %s -> %s", strings.Join(oe, ", "), strings.Join(ne, ", "))
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
