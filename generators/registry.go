// Package generators lists every built-in generator in one place, in the
// order they run. Each lives in its own package and returns files; none
// writes, and none reads topology files.
package generators

import (
	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/generators/diagram"
	"github.com/mobplan/mobplan/generators/dns"
	"github.com/mobplan/mobplan/generators/export"
	"github.com/mobplan/mobplan/generators/firewall"
	"github.com/mobplan/mobplan/generators/hlb"
	"github.com/mobplan/mobplan/generators/proxy"
	"github.com/mobplan/mobplan/generators/report"
	"github.com/mobplan/mobplan/generators/runbook"
	"github.com/mobplan/mobplan/generators/sfb"
)

// All returns the built-in generators.
func All() []artifact.Generator {
	return []artifact.Generator{
		dns.Generator,
		certs.Generator,
		proxy.Generator,
		hlb.Generator,
		firewall.Generator,
		sfb.Generator,
		diagram.Generator,
		export.Generator,
		report.Generator,
		runbook.Generator,
	}
}
