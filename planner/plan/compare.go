package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Difference is one change between two plans, in the deployment's terms.
type Difference struct {
	// Area: dns, certificate, publishing, vip, firewall, shell.
	Area string `json:"area"`
	// Symbol: "+" added, "-" removed, "~" changed.
	Symbol string `json:"symbol"`
	// Subject names the thing changed: "external zone contoso.com".
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

func (d Difference) String() string { return fmt.Sprintf("%s %s: %s", d.Symbol, d.Subject, d.Text) }

// Compare lists what changes from old to new (old may be nil: everything
// is added). The result is sorted, so the same plans give the same text.
func Compare(old, new *Plan) []Difference {
	if old == nil {
		old = &Plan{}
	}
	var out []Difference
	add := func(area, sym, subject, format string, a ...any) {
		out = append(out, Difference{area, sym, subject, fmt.Sprintf(format, a...)})
	}

	// DNS: zones, then records.
	oz, nz := map[string]Zone{}, map[string]Zone{}
	for _, z := range old.Zones {
		oz[z.View+" "+z.Name] = z
	}
	for _, z := range new.Zones {
		nz[z.View+" "+z.Name] = z
	}
	for _, k := range union(oz, nz) {
		o, inOld := oz[k]
		n, inNew := nz[k]
		subject := ""
		if inNew {
			subject = n.View + " zone " + n.Name
		} else {
			subject = o.View + " zone " + o.Name
		}
		switch {
		case !inOld:
			add("dns", "+", subject, "zone added with %d records", len(n.Records))
			continue
		case !inNew:
			add("dns", "-", subject, "zone removed")
			continue
		}
		orec, nrec := set(recordKeys(o.Records)), set(recordKeys(n.Records))
		for _, r := range sortedDiff(nrec, orec) {
			add("dns", "+", subject, "record %s", r)
		}
		for _, r := range sortedDiff(orec, nrec) {
			add("dns", "-", subject, "record %s", r)
		}
	}

	// Certificates: subject and SANs.
	oc, nc := map[string]Certificate{}, map[string]Certificate{}
	for _, c := range old.Certificates {
		oc[c.Name] = c
	}
	for _, c := range new.Certificates {
		nc[c.Name] = c
	}
	for _, k := range union(oc, nc) {
		o, inOld := oc[k]
		n, inNew := nc[k]
		subject := "certificate " + k
		switch {
		case !inOld:
			add("certificate", "+", subject, "new request for %s (%d SANs)", n.Subject, len(n.SANs))
			continue
		case !inNew:
			add("certificate", "-", subject, "no longer planned")
			continue
		}
		if o.Subject != n.Subject {
			add("certificate", "~", subject, "subject %s -> %s", o.Subject, n.Subject)
		}
		for _, s := range sortedDiff(set(n.SANs), set(o.SANs)) {
			add("certificate", "+", subject, "SAN %s", s)
		}
		for _, s := range sortedDiff(set(o.SANs), set(n.SANs)) {
			add("certificate", "-", subject, "SAN %s", s)
		}
	}

	// Publishing rules.
	or, nr := map[string]PubRule{}, map[string]PubRule{}
	for _, rp := range old.ReverseProxies {
		for _, r := range rp.Rules {
			or[rp.Name+"/"+r.Name] = r
		}
	}
	for _, rp := range new.ReverseProxies {
		for _, r := range rp.Rules {
			nr[rp.Name+"/"+r.Name] = r
		}
	}
	for _, k := range union(or, nr) {
		o, inOld := or[k]
		n, inNew := nr[k]
		subject := "publishing rule " + k
		switch {
		case !inOld:
			add("publishing", "+", subject, "publishes %s to %s", strings.Join(n.PublicNames, ", "), n.Target)
			continue
		case !inNew:
			add("publishing", "-", subject, "removed")
			continue
		}
		for _, s := range sortedDiff(set(n.PublicNames), set(o.PublicNames)) {
			add("publishing", "+", subject, "public name %s", s)
		}
		for _, s := range sortedDiff(set(o.PublicNames), set(n.PublicNames)) {
			add("publishing", "-", subject, "public name %s", s)
		}
		if o.Target != n.Target || fmt.Sprint(o.Bridges) != fmt.Sprint(n.Bridges) || o.IdleTimeout != n.IdleTimeout || o.ForwardHostHeader != n.ForwardHostHeader {
			add("publishing", "~", subject, "target %s %v -> %s %v", o.Target, bridges(o.Bridges), n.Target, bridges(n.Bridges))
		}
	}

	// VIPs.
	ov, nv := map[string]VIP{}, map[string]VIP{}
	for _, v := range old.VIPs {
		ov[v.Name] = v
	}
	for _, v := range new.VIPs {
		nv[v.Name] = v
	}
	for _, k := range union(ov, nv) {
		o, inOld := ov[k]
		n, inNew := nv[k]
		subject := "VIP " + k
		switch {
		case !inOld:
			add("vip", "+", subject, "%s %s", n.IP, ports(n.Ports))
		case !inNew:
			add("vip", "-", subject, "removed")
		case fmt.Sprint(o) != fmt.Sprint(n):
			add("vip", "~", subject, "%s %s %s -> %s %s %s", o.IP, ports(o.Ports), o.Persistence, n.IP, ports(n.Ports), n.Persistence)
		}
	}

	// Firewall rules, by what they allow.
	of, nf := set(firewallKeys(old.Firewall)), set(firewallKeys(new.Firewall))
	for _, s := range sortedDiff(nf, of) {
		add("firewall", "+", "firewall", "%s", s)
	}
	for _, s := range sortedDiff(of, nf) {
		add("firewall", "-", "firewall", "%s", s)
	}

	// Management Shell sections, by title without the step number: steps
	// are numbered without gaps, so one that appears or goes renumbers the
	// others, which is no change of theirs.
	oldSh, newSh := map[string]string{}, map[string]string{}
	for _, s := range old.Shell {
		oldSh[shellKey(s.Title)] = strings.Join(s.Commands, "\n")
	}
	for _, s := range new.Shell {
		newSh[shellKey(s.Title)] = strings.Join(s.Commands, "\n")
	}
	for _, k := range union(oldSh, newSh) {
		o, inOld := oldSh[k]
		n, inNew := newSh[k]
		switch {
		case !inOld:
			add("shell", "+", "script section "+k, "added")
		case !inNew:
			add("shell", "-", "script section "+k, "removed")
		case o != n:
			add("shell", "~", "script section "+k, "commands changed")
		}
	}
	return out
}

// shellKey is a section's title without its step number ("3. Push" ->
// "Push").
func shellKey(title string) string {
	n, rest, ok := strings.Cut(strings.TrimSpace(title), ". ")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return title
	}
	return rest
}

func recordKeys(rs []Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		v := r.Value
		if r.Type == "SRV" {
			v = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, r.Value)
		}
		out[i] = fmt.Sprintf("%s %s %s", r.Name, r.Type, v)
	}
	return out
}

func firewallKeys(fs []FirewallRule) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s -> %s %s %s (%s)", f.Source, f.Destination, f.Protocol, f.Ports, f.Purpose)
	}
	return out
}

func bridges(bs []Bridge) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("%d->%d/%s", b.FrontPort, b.BackPort, b.BackScheme))
	}
	return strings.Join(parts, ",")
}

func ports(ps []PortPair) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%d->%d", p.Front, p.Back))
	}
	return strings.Join(parts, ",")
}

func set(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// sortedDiff lists what a has and b lacks, sorted.
func sortedDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func union[V any](a, b map[string]V) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
