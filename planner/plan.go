// Package planner turns a validated topology (model.Topology) into a Plan:
// plain, serialisable data describing every artifact the deployment needs.
// Derived items satisfy the rule catalogue by construction; items the
// topology declares are carried over as they are.
//
// Each part of the plan is derived in its own file (dns.go, certs.go,
// proxy.go, hlb.go, firewall.go, shell.go); New calls them in order.
package planner

import (
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// New derives the plan from a validated topology.
func New(t *model.Topology) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, HairpinAllowed: t.Network.HairpinAllowed, Product: t.Version, SIPDomains: t.SIPDomains, ADDomain: t.ADDomain}
	planDNS(t, p)          // dns.go
	planCertificates(t, p) // certs.go
	planProxies(t, p)      // proxy.go
	planVIPs(t, p)         // hlb.go
	planFirewall(t, p)     // firewall.go
	planShell(t, p)        // shell.go
	planReport(t, p)       // report.go: roles, fallback URLs, runtime listeners
	planDirectory(t, p)    // directory.go: users, pools and SBAs for the runtime
	planMobility(t, p)     // mobility.go: settings and Edge pools for the runbook and diagrams
	return p
}

// uniqueStrings drops empty strings and repeats, keeping the order.
func uniqueStrings(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
