package schema

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// DNS names compare case-insensitively (RFC 4343). Rather than have every
// rule and every planner step remember it, the value the schema checks —
// and hence the model the planner reads — holds every DNS name in lower
// case: Check lower-cases the names at namePaths, the host of every URL at
// urlPaths and the keys of the maps at nameKeys, in a copy of the
// document (positions are kept by the original paths; keyMap translates
// back). Two keys that differ only in case are the same name declared
// twice (SCHEMA-003). Identifiers (pool, server and certificate names)
// and user SIP addresses are left as written; assigned_to holds both
// names and FQDNs, so the rules compare it in lower case themselves.
//
// IPv6 addresses at addrPaths are written in their canonical form, for
// the same reason.
//
// A pattern is a path in which "*" is any map key and "[]" any list
// element.
var (
	namePaths = []string{
		"sip_domains.[]", "ad_domain",
		"pools.*.fqdn", "pools.*.web_internal.fqdn", "pools.*.web_external.fqdn", "pools.*.servers.*.fqdn",
		"edge_pools.*.internal_fqdn", "edge_pools.*.access_fqdn", "edge_pools.*.webconf_fqdn", "edge_pools.*.av_fqdn",
		"edge_pools.*.servers.*.fqdn",
		"sbas.*.fqdn",
		"reverse_proxies.*.rules.*.public_names.[]", "reverse_proxies.*.rules.*.target",
		"office_web_apps.fqdn",
		"simple_urls.meet.[].domain",
		"federation.hosting_providers.*.proxy_fqdn", "federation.allowed_domains.[]",
		"dns.*.*.soa.primary_ns", "dns.*.*.soa.hostmaster", "dns.*.*.ns.[]", "dns.*.*.records.*.[].values.[]",
		"certificates.*.subject", "certificates.*.sans.[]",
		"name_servers.*.fqdn",
	}
	urlPaths = []string{"simple_urls.meet.[].url", "simple_urls.dialin.[].url", "simple_urls.admin.[].url"}
	// Addresses and prefixes: an IPv6 address has many spellings
	// (2001:DB8:0::10 is 2001:db8::10), so each is written in its
	// canonical form (RFC 5952) and compares as one value. A value that is
	// not an address is left for the schema to report.
	addrPaths = []string{
		"name_servers.*.ips.[]",
		"pools.*.servers.*.ips.[]", "pools.*.web_internal.vip", "pools.*.web_external.vip",
		"edge_pools.*.servers.*.internal_ip", "edge_pools.*.servers.*.access_ip",
		"edge_pools.*.servers.*.webconf_ip", "edge_pools.*.servers.*.av_ip",
		"sbas.*.ip",
		"reverse_proxies.*.internal_ip", "reverse_proxies.*.listeners.*.ip",
		"load_balancers.*.vips.*.ip",
		"office_web_apps.ip",
		"network.internal_ranges.[]", "network.wifi_ranges.[]",
		"firewall_rules.*.source.[]", "firewall_rules.*.destination.[]",
		"dns.*.*.records.*.[].values.[]",
	}
	// Maps keyed by a DNS name: zones of each view, record names, name servers.
	nameKeys = []string{"dns.*", "dns.*.*.records", "name_servers"}
)

// keyMap translates paths of the normalized value back to the document's.
type keyMap map[string]string // normalized path key of a map entry -> the key as written

// original returns p with every lower-cased key as the user wrote it.
func (m keyMap) original(p canon.Path) canon.Path {
	if len(m) == 0 {
		return p
	}
	out := make(canon.Path, len(p))
	for i, e := range p {
		out[i] = e
		if _, ok := e.(string); ok {
			if k, ok := m[p[:i+1].Key()]; ok {
				out[i] = k
			}
		}
	}
	return out
}

// normalizeNames returns a copy of v with DNS names in lower case, the key
// map back, and a diagnostic for each map key that collides with another
// once lower-cased (the later declaration is dropped).
func normalizeNames(doc *canon.Document) (map[string]any, keyMap, diag.Diagnostics) {
	v := deepCopy(doc.Value).(map[string]any)
	km := keyMap{}
	var ds diag.Diagnostics
	for _, pat := range nameKeys {
		walkPattern(v, strings.Split(pat, "."), canon.Path{}, func(p canon.Path, x any, set func(any)) {
			m, ok := x.(map[string]any)
			if !ok || !anyUpper(m) {
				// All lower case already (the usual map): nothing to
				// rename, and no two keys can collide.
				return
			}
			// In source order, so the later declaration is the duplicate.
			// Each key's position is looked up once, not per comparison.
			orig := km.original(p)
			type declared struct {
				key   string
				at    diag.Range
				hasAt bool
			}
			decls := make([]declared, 0, len(m))
			for k := range m {
				r, ok := doc.RangeOf(orig.Append(k))
				decls = append(decls, declared{k, r, ok})
			}
			sort.Slice(decls, func(i, j int) bool {
				a, b := decls[i], decls[j]
				if a.hasAt && b.hasAt && a.at.Filename == b.at.Filename && a.at.Start.Byte != b.at.Start.Byte {
					return a.at.Start.Byte < b.at.Start.Byte
				}
				return a.key < b.key
			})
			keys := make([]string, len(decls))
			for i, d := range decls {
				keys[i] = d.key
			}
			out := make(map[string]any, len(m))
			first := map[string]string{}
			for _, k := range keys {
				lk := strings.ToLower(k)
				if prev, dup := first[lk]; dup {
					d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleDuplicate, Summary: "Duplicate declaration",
						Detail: fmt.Sprintf("%q and %q are the same DNS name (names compare case-insensitively); declare it once.", prev, k)}
					if r, ok := doc.RangeOf(orig.Append(k)); ok {
						d.Range = &r
					}
					ds = append(ds, d)
					continue
				}
				first[lk] = k
				out[lk] = m[k]
				if lk != k {
					km[p.Append(lk).Key()] = k
				}
			}
			set(out)
		})
	}
	for _, pat := range namePaths {
		walkPattern(v, strings.Split(pat, "."), canon.Path{}, func(_ canon.Path, x any, set func(any)) {
			if s, ok := x.(string); ok {
				set(strings.ToLower(s))
			}
		})
	}
	for _, pat := range urlPaths {
		walkPattern(v, strings.Split(pat, "."), canon.Path{}, func(_ canon.Path, x any, set func(any)) {
			if s, ok := x.(string); ok {
				set(lowerURLHost(s))
			}
		})
	}
	for _, pat := range addrPaths {
		walkPattern(v, strings.Split(pat, "."), canon.Path{}, func(_ canon.Path, x any, set func(any)) {
			if s, ok := x.(string); ok {
				set(canonicalIPv6(s))
			}
		})
	}
	return v, km, ds
}

// canonicalIPv6 writes an IPv6 address or prefix in its canonical form;
// anything else (IPv4, a name, a keyword) is returned as it is.
func canonicalIPv6(s string) string {
	if !strings.Contains(s, ":") || strings.Contains(s, "%") {
		return s
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().String() + "/" + strconv.Itoa(p.Bits())
	}
	return s
}

// lowerURLHost lower-cases the scheme and host of a URL, not its path.
func lowerURLHost(u string) string {
	rest, pre := u, ""
	if i := strings.Index(u, "://"); i >= 0 {
		pre, rest = strings.ToLower(u[:i+3]), u[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	return pre + strings.ToLower(rest[:end]) + rest[end:]
}

// anyUpper reports whether a key of m changes when lower-cased.
func anyUpper(m map[string]any) bool {
	for k := range m {
		if strings.ToLower(k) != k {
			return true
		}
	}
	return false
}

// walkPattern calls f for every value of v at a path matching pat, with a
// setter that replaces it.
func walkPattern(v any, pat []string, at canon.Path, f func(p canon.Path, x any, set func(any))) {
	if len(pat) == 0 {
		return
	}
	last := len(pat) == 1
	switch c := v.(type) {
	case map[string]any:
		visit := func(k string) {
			if last {
				f(at.Append(k), c[k], func(n any) { c[k] = n })
				return
			}
			walkPattern(c[k], pat[1:], at.Append(k), f)
		}
		switch pat[0] {
		case "[]":
		case "*":
			keys := make([]string, 0, len(c))
			for k := range c {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				visit(k)
			}
		default:
			if _, ok := c[pat[0]]; ok {
				visit(pat[0])
			}
		}
	case []any:
		if pat[0] != "[]" {
			return
		}
		for i := range c {
			if last {
				f(at.Append(i), c[i], func(n any) { c[i] = n })
				continue
			}
			walkPattern(c[i], pat[1:], at.Append(i), f)
		}
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
