package supervisor

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/ucwa"
	"github.com/mobplan/mobplan/runtime/webservices"
)

// ucwaServers holds one generation's UCWA servers: one per Front End
// server instance, shared by its listeners (UCWA state lives on the
// server), and one hub shared by all of them: messages, presence
// subscriptions and meeting joins cross pools as SIP routing carries
// them in the deployment.
type ucwaServers struct {
	servers map[string]*ucwa.Server // by lower-case server FQDN
	hub     *ucwa.Hub
}

// forServer returns the UCWA server of the server with the FQDN, made on
// first use with the pool's token store.
func (u *ucwaServers) forServer(p *plan.Plan, fqdn string, tokens *webservices.TokenStore) (*ucwa.Server, error) {
	if u.servers == nil {
		u.servers, u.hub = map[string]*ucwa.Server{}, ucwa.NewHub()
	}
	key := strings.ToLower(fqdn)
	if s := u.servers[key]; s != nil {
		return s, nil
	}
	cfg, err := ucwa.FromPlan(p, fqdn)
	if err != nil {
		return nil, err
	}
	// No logger: the web services that mount UCWA log each request once.
	cfg.Hub, cfg.Tokens = u.hub, tokens
	s, err := ucwa.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("UCWA of %s: %w", fqdn, err)
	}
	u.servers[key] = s
	return s, nil
}
