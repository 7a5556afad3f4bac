package schema

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
)

// The simple URL rule evaluated in Go: one meet URL per SIP domain in
// every scope is a lookup per domain into a struct as wide as the
// domains, O(N²) in CUE v0.17.1 (BenchmarkRuleCost, family=TOPO: +0.71 M
// allocations at 1,000 domains). Its catalogue entry is in
// rules_topology.cue, with the rule's reasoning.

func init() {
	goRules = append(goRules, goRule{canon.RuleTOPO007, topo007, []string{"sip_domains.[]", "pools.*.fqdn",
		"simple_urls.meet.[].domain", "simple_urls.meet.[].url", "simple_urls.meet.[].site",
		"simple_urls.dialin.[].url", "simple_urls.dialin.[].site", "simple_urls.admin.[].url", "simple_urls.admin.[].site"}})
}

// simpleURL is #TopoURL: one simple URL and its parts.
type simpleURL struct {
	kind     string // meet, dialin or admin
	idx      int    // its index in its list
	url      string
	sc       string // its site, "" for the global configuration
	https    bool
	norm     string // lower case, without the scheme and a trailing slash
	host     string // with the port, if any
	hostname string
	path     string
}

func (e simpleURL) at() []any { return []any{"simple_urls", e.kind, e.idx, "url"} }

func (e simpleURL) name() string {
	return map[string]string{"meet": "meet", "dialin": "dial-in", "admin": "admin"}[e.kind] + " URL " + e.url
}

func newSimpleURL(kind string, idx int, u any) simpleURL {
	e := simpleURL{kind: kind, idx: idx, url: str(u, "url"), sc: str(u, "site")}
	e.https = strings.HasPrefix(strings.ToLower(e.url), "https://")
	rest := e.url
	if _, after, ok := strings.Cut(e.url, "://"); ok {
		rest = after
	}
	e.norm = strings.TrimSuffix(strings.ToLower(rest), "/")
	e.host, e.path, _ = strings.Cut(rest, "/")
	e.hostname, _, _ = strings.Cut(e.host, ":")
	return e
}

var (
	topoHostChars = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)
	topoPathChars = regexp.MustCompile(`^[A-Za-z0-9./-]*$`)
)

// topoScopeName is #TopoScopeName.
func topoScopeName(sc string) string {
	if sc == "" {
		return "The global simple URL configuration"
	}
	return "The simple URL configuration of site " + sc
}

// topo007: when the topology declares a simple_urls block, the simple
// URLs are well formed, unique and not under one another within a scope,
// and each scope (the global configuration, and each site that scopes a
// URL) has one meet URL per SIP domain, exactly one dial-in URL and at
// most one admin URL.
func topo007(tp *topo) []finding {
	if !tp.simpleURLs {
		return nil
	}
	su := getObj(tp.t, "simple_urls")
	var urls []simpleURL // _topoURLs: meet, dial-in, then admin URLs
	for _, kind := range []string{"meet", "dialin", "admin"} {
		for i, u := range getList(su, kind) {
			urls = append(urls, newSimpleURL(kind, i, u))
		}
	}
	pools := map[string]bool{}
	for _, n := range tp.pools {
		pools[strings.ToLower(str(tp.t, "pools", n, "fqdn"))] = true
	}
	sip := map[string]bool{}
	domains := tp.sipDomains()
	for _, d := range domains {
		sip[strings.ToLower(d)] = true
	}
	// The first URL (in _topoURLs' order) of each normalised URL, and of
	// each kind, per scope; the first meet URL of each domain per scope;
	// the scopes in use, each with where a missing URL of it is reported.
	type key struct{ sc, s string }
	firstURL, firstKind, firstMeet := map[key]int{}, map[key]int{}, map[key]int{}
	type scope struct {
		sc    string
		where []any
	}
	scopes := []scope{{"", []any{"simple_urls"}}}
	seen := map[string]bool{"": true}
	for i, e := range urls {
		if _, ok := firstURL[key{e.sc, e.norm}]; !ok {
			firstURL[key{e.sc, e.norm}] = i
		}
		if _, ok := firstKind[key{e.sc, e.kind}]; !ok {
			firstKind[key{e.sc, e.kind}] = e.idx
		}
		if !seen[e.sc] {
			seen[e.sc] = true
			scopes = append(scopes, scope{e.sc, []any{"simple_urls", e.kind, e.idx, "site"}})
		}
	}
	meet := getList(su, "meet")
	for i, m := range meet {
		k := key{str(m, "site"), strings.ToLower(str(m, "domain"))}
		if _, ok := firstMeet[k]; !ok {
			firstMeet[k] = i
		}
	}

	var out []finding
	// Form of each URL.
	for _, e := range urls {
		var problems []string
		if !e.https {
			problems = append(problems, "does not start with https://")
		}
		if e.host != e.hostname {
			problems = append(problems, "contains a port")
		}
		if pools[strings.ToLower(e.hostname)] {
			problems = append(problems, "uses the pool FQDN "+e.hostname)
		}
		if !topoHostChars.MatchString(e.hostname) || !topoPathChars.MatchString(e.path) {
			problems = append(problems, "has characters other than A-Z, a-z, 0-9 and dot")
		}
		if len(problems) > 0 {
			out = append(out, finding{At: e.at(), Detail: fmt.Sprintf("The %s %s.", e.name(), strings.Join(problems, " and "))})
		}
	}
	// A hyphen is a warning: the simple URLs page says URLs with other
	// characters "might not work as expected", not that they are refused.
	for _, e := range urls {
		if strings.Contains(e.hostname, "-") || strings.Contains(e.path, "-") {
			out = append(out, finding{At: e.at(), Severity: "warning",
				Detail: fmt.Sprintf("The %s has a hyphen; simple URLs with characters other than A-Z, a-z, 0-9 and dot might not work as expected.", e.name()),
				Hint:   "Prefer a simple URL of letters, digits and dots only (https://meet.contoso.com)."})
		}
	}
	// Unique within a scope (the first one is kept).
	for i, e := range urls {
		if f := firstURL[key{e.sc, e.norm}]; f != i {
			out = append(out, finding{At: e.at(), Detail: fmt.Sprintf("The %s is the same as the %s.", e.name(), urls[f].name())})
		}
	}
	// No URL lies under another of the same scope.
	for _, e := range urls {
		// Each prefix ending before a slash, as a slice of the URL (no
		// copy per prefix: a long path of many segments stays linear).
		for i := range len(e.norm) {
			if e.norm[i] != '/' {
				continue
			}
			if f, ok := firstURL[key{e.sc, e.norm[:i]}]; ok {
				out = append(out, finding{At: e.at(), Detail: fmt.Sprintf("The %s starts with the %s; no simple URL may be a prefix of another.", e.name(), urls[f].name())})
			}
		}
	}
	// Meet URLs: one per SIP domain in each scope (one finding per scope,
	// naming the first few domains), and only for SIP domains.
	for _, s := range scopes {
		var missing []string
		for _, d := range domains {
			if _, ok := firstMeet[key{s.sc, strings.ToLower(d)}]; !ok {
				missing = append(missing, d)
			}
		}
		if len(missing) == 0 {
			continue
		}
		at := s.where
		if s.sc == "" {
			at = []any{"simple_urls", "meet"}
		}
		plural, more := "", ""
		if len(missing) > 1 {
			plural = "s"
		}
		if len(missing) > 5 {
			more = fmt.Sprintf(" and %d more", len(missing)-5)
		}
		out = append(out, finding{At: at, Detail: fmt.Sprintf("%s has no meet URL for the SIP domain%s %s%s; each SIP domain needs one.",
			topoScopeName(s.sc), plural, strings.Join(missing[:min(len(missing), 5)], ", "), more)})
	}
	for i, m := range meet {
		if !sip[strings.ToLower(str(m, "domain"))] {
			out = append(out, finding{At: []any{"simple_urls", "meet", i, "domain"},
				Detail: fmt.Sprintf("The meet URL %s is for %s, which is not a SIP domain (sip_domains: %s).", str(m, "url"), str(m, "domain"), strings.Join(domains, ", "))})
		}
	}
	for i, m := range meet {
		sc := str(m, "site")
		if f := firstMeet[key{sc, strings.ToLower(str(m, "domain"))}]; f != i {
			out = append(out, finding{At: []any{"simple_urls", "meet", i, "domain"},
				Detail: fmt.Sprintf("%s has a second meet URL for %s (%s); the first is %s.", topoScopeName(sc), str(m, "domain"), str(m, "url"), str(meet[f], "url"))})
		}
	}
	// Exactly one dial-in URL, at most one admin URL, per scope.
	for _, s := range scopes {
		if _, ok := firstKind[key{s.sc, "dialin"}]; !ok {
			at := s.where
			if s.sc == "" {
				at = []any{"simple_urls", "dialin"}
			}
			out = append(out, finding{At: at, Detail: topoScopeName(s.sc) + " has no dial-in URL; it needs exactly one."})
		}
	}
	for _, e := range urls {
		if e.kind == "meet" {
			continue
		}
		if f := firstKind[key{e.sc, e.kind}]; f != e.idx {
			what := "admin URL (" + e.url + "); it may have at most one"
			if e.kind == "dialin" {
				what = "dial-in URL (" + e.url + "); it needs exactly one"
			}
			out = append(out, finding{At: []any{"simple_urls", e.kind, e.idx}, Detail: fmt.Sprintf("%s has more than one %s.", topoScopeName(e.sc), what)})
		}
	}
	return out
}
