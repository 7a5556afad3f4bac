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
			out = append(out, Difference{Area: "certificate", Symbol: "+", Subject: "order " + n.Name + " from the public CA",
				Text: fmt.Sprintf("new certificate for %s with %d SANs", n.Subject, len(n.SANs)), Unit: UnitPublicOrder, To: n.Subject})
			continue
		}
		subject := "re-issue " + n.Name + " from the public CA"
		change := func(from, to, format string, a ...any) {
			out = append(out, Difference{Area: "certificate", Symbol: "~", Subject: subject, Text: fmt.Sprintf(format, a...),
				Unit: UnitPublicOrder, From: from, To: to})
		}
		if o.Issuer != "public" {
			change(o.Issuer, n.Issuer, "it was from the %s CA", orNone(o.Issuer))
		}
		if o.Subject != n.Subject {
			change(o.Subject, n.Subject, "subject %s%s%s", o.Subject, Arrow, n.Subject)
		}
		for _, s := range sortedDiff(set(n.SANs), set(o.SANs)) {
			change("", s, "SAN %s added", s)
		}
		for _, s := range sortedDiff(set(o.SANs), set(n.SANs)) {
			change(s, "", "SAN %s removed", s)
		}
		if ok, nk := fmt.Sprintf("%s %d", o.KeyType, o.KeyBits), fmt.Sprintf("%s %d", n.KeyType, n.KeyBits); ok != nk {
			change(ok, nk, "key %s%s%s", ok, Arrow, nk)
		}
		if oe, ne := strings.Join(slices.Sorted(slices.Values(o.EKU)), ", "), strings.Join(slices.Sorted(slices.Values(n.EKU)), ", "); oe != ne {
			change(oe, ne, "EKU %s%s%s", oe, Arrow, ne)
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
