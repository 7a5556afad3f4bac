package webservices

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// Location is the network location of a listener: which IIS site of the
// Front End it is. The internal site listens on 443 and 80, the external
// site on 4443 and 8080 (the reverse proxy bridges 443→4443 and 80→8080).
type Location string

const (
	Internal Location = "internal"
	External Location = "external"
)

// SiteOf is the location of a planned web listener by what it serves
// (plan.RuntimeListen.Serves "web-internal" or "web-external").
func SiteOf(serves string) (Location, bool) {
	switch serves {
	case "web-internal":
		return Internal, true
	case "web-external":
		return External, true
	}
	return "", false
}

// Config is what one listener of one Front End (or Director) serves. The
// plan-derived part comes from FromPlan; the caller adds what depends on
// the listener and on the state directory.
type Config struct {
	// ServerFQDN is this server's FQDN, sent as X-MS-Server-Fqdn on every
	// response.
	ServerFQDN string
	// Pool is the name (plan.Pool.Name) of the pool or Director the server
	// belongs to; its web FQDNs and product version come from Directory.
	Pool string
	// Location is the listener's network location; it sets AccessLocation
	// and which of the pool's web FQDNs the links use.
	Location Location
	// Scheme is the listener's scheme, "https" or "http".
	Scheme string

	// Directory is the plan's directory: users with their homes and
	// effective policies, pools, SBAs.
	Directory plan.Directory
	// SIPDomains are the plan's SIP domains, the primary first: the
	// domains served here (a sipuri elsewhere is sent online when
	// OnlineAutodiscoverURL is set) and the OAuth realm of the Bearer
	// challenge (the primary one).
	SIPDomains []string
	// ADDomain is the plan's AD DNS domain: its first label is the NetBIOS
	// name accepted in DOMAIN\user credentials.
	ADDomain string
	// EdgeClient and EdgeServer are the Access Edge's external SIP access
	// published as SipClientExternalAccess and SipServerExternalAccess; nil
	// when the plan has no Edge. FromPlan takes them from the plan's
	// external _sip._tls and _sipfederationtls._tcp SRV records.
	EdgeClient *protocol.SipAccess
	EdgeServer *protocol.SipAccess

	// Passwords maps a lab user's SIP address (without "sip:") to the
	// user's lab password. They come from the state directory, never from
	// the artifacts; a user without one cannot sign in.
	Passwords map[string]string
	// Tokens is the pool's token store. Every server of a pool must share
	// one, so a token or web ticket one issues is good at all of them.
	Tokens *TokenStore

	// UCWA, when set, serves the paths under /ucwa/ (package runtime/ucwa):
	// one handler per Front End server, shared by its listeners, since
	// UCWA state lives on the server.
	UCWA http.Handler

	// OnlineAutodiscoverURL, when set, is the hosting provider's
	// Autodiscover root (hybrid, e.g.
	// https://webdir.online.lync.com/Autodiscover/AutodiscoverService.svc/root):
	// a Root request whose sipuri is no user of the directory is redirected
	// there.
	OnlineAutodiscoverURL string
	// HTTPServesRoot makes a plain-HTTP listener answer the full Root
	// instead of the Redirect to the HTTPS root that MS-OCDISCWS requires
	// (a PHP library wants _links.user straight from http://lyncdiscover;
	// whether real servers do so is not confirmed).
	HTTPServesRoot bool
	// DefaultRepresentation answers requests that name none; zero means by
	// the pool's product version (protocol.DefaultRepresentation).
	DefaultRepresentation protocol.Representation

	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// FromPlan fills the plan-derived part of the Config of the server with
// the FQDN serverFQDN, which must be a server of a pool or Director of the
// plan's directory. It reads only the plan:
//
//   - the pool from plan.Directory.Pools (web FQDNs, product, MCX);
//   - the Access Edge's external SIP access from the external view's SRV
//     records of the primary SIP domain (else the first SIP domain that has
//     them): _sip._tls gives SipClientExternalAccess (the Access Edge FQDN,
//     443) and _sipfederationtls._tcp gives SipServerExternalAccess (5061).
//     The plan does not say which Edge pool serves which Front End pool;
//     one Access Edge name is published for the whole deployment, as the
//     Edge's external certificate subject is.
//
// The caller sets Location, Scheme, Passwords, Tokens and the options. The
// Config shares the plan's directory, which neither modifies.
func FromPlan(p *plan.Plan, serverFQDN string) (Config, error) {
	if p == nil {
		return Config{}, errors.New("web services config: no plan")
	}
	var pool *plan.Pool
	var server plan.Server
	for i := range p.Directory.Pools {
		for _, s := range p.Directory.Pools[i].Servers {
			if strings.EqualFold(s.FQDN, serverFQDN) {
				pool, server = &p.Directory.Pools[i], s
			}
		}
	}
	if pool == nil {
		return Config{}, fmt.Errorf("web services config: %s is no server of a pool in the plan's directory", serverFQDN)
	}
	cfg := Config{
		ServerFQDN: server.FQDN,
		Pool:       pool.Name,
		Directory:  p.Directory,
		SIPDomains: append([]string(nil), p.SIPDomains...),
		ADDomain:   p.ADDomain,
		// Hybrid: a user the directory does not hold is sent online.
		OnlineAutodiscoverURL: p.Directory.OnlineAutodiscoverURL,
	}
	for _, d := range p.SIPDomains {
		if a := srvTarget(p.Zones, "_sip._tls."+d); a != nil {
			cfg.EdgeClient = a
			cfg.EdgeServer = srvTarget(p.Zones, "_sipfederationtls._tcp."+d)
			break
		}
	}
	return cfg, nil
}

// srvTarget finds the external view's SRV record with the owner name fqdn.
func srvTarget(zones []plan.Zone, fqdn string) *protocol.SipAccess {
	for _, z := range zones {
		if z.View != "external" {
			continue
		}
		for _, r := range z.Records {
			if r.Type != "SRV" {
				continue
			}
			owner := z.Name
			if r.Name != "@" && r.Name != "" {
				owner = r.Name + "." + z.Name
			}
			if strings.EqualFold(strings.TrimSuffix(owner, "."), fqdn) {
				return &protocol.SipAccess{FQDN: strings.TrimSuffix(r.Value, "."), Port: r.Port}
			}
		}
	}
	return nil
}

// validate reports what makes a Config unusable.
func (c *Config) validate() error {
	var problems []string
	if c.ServerFQDN == "" {
		problems = append(problems, "no server FQDN")
	}
	if c.Location != Internal && c.Location != External {
		problems = append(problems, fmt.Sprintf("location %q is neither internal nor external", c.Location))
	}
	if c.Scheme != "https" && c.Scheme != "http" {
		problems = append(problems, fmt.Sprintf("scheme %q is neither https nor http", c.Scheme))
	}
	if c.Tokens == nil {
		problems = append(problems, "no token store")
	}
	if len(c.SIPDomains) == 0 {
		problems = append(problems, "no SIP domain")
	}
	if c.DefaultRepresentation != 0 && !c.DefaultRepresentation.Valid() {
		problems = append(problems, fmt.Sprintf("default representation %d is unknown", c.DefaultRepresentation))
	}
	found := false
	for _, p := range c.Directory.Pools {
		if p.Name == c.Pool {
			found = true
			if p.WebInternalFQDN == "" {
				problems = append(problems, fmt.Sprintf("pool %s has no internal web FQDN", p.Name))
			}
		}
	}
	if !found {
		problems = append(problems, fmt.Sprintf("pool %q is not in the directory", c.Pool))
	}
	if c.OnlineAutodiscoverURL != "" && !strings.HasPrefix(strings.ToLower(c.OnlineAutodiscoverURL), "https://") {
		problems = append(problems, fmt.Sprintf("online Autodiscover URL %q is not an https URL", c.OnlineAutodiscoverURL))
	}
	if len(problems) > 0 {
		return fmt.Errorf("web services config for %s: %s", c.ServerFQDN, strings.Join(problems, "; "))
	}
	return nil
}
