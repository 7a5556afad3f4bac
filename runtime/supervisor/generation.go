package supervisor

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/bundle"
	"github.com/mobplan/mobplan/runtime/dnsserver"
	"github.com/mobplan/mobplan/runtime/hlb"
	"github.com/mobplan/mobplan/runtime/labca"
	"github.com/mobplan/mobplan/runtime/proxy"
	"github.com/mobplan/mobplan/runtime/ucwa"
	"github.com/mobplan/mobplan/runtime/webservices"
)

// generation is everything one applied plan serves, built and checked
// before any socket is bound (or, on reload, before it replaces the
// running one): a failure leaves nothing half-built.
type generation struct {
	bundle *bundle.Bundle
	slots  []addrmap.Slot
	// header is X-Mobplan-Plan: the plan digest, and whether errors were
	// allowed.
	header string
	dns    map[string]*dnsserver.Server       // by view
	certs  map[string]*tls.Certificate        // by planned certificate name
	http   map[string]http.Handler            // by slot key
	vips   map[string]*hlb.VIP                // by slot key
	tlsOn  map[string]bool                    // slots that accept TLS only (SIP, Edge)
	roots  *x509.CertPool                     // both lab CAs, for back-end TLS
	tokens map[string]*webservices.TokenStore // by pool
	// hub joins the generation's UCWA servers and keeps its push
	// notification records; nil when the plan has no web services.
	hub *ucwa.Hub
}

// key names a slot: its planned endpoint, or the DNS view.
func key(s addrmap.Slot) string {
	if s.Planned == "" {
		return "dns:" + s.Network
	}
	return s.Planned
}

// build makes a generation from a bundle. dial and resolve reach the
// running network; they are called only while serving.
func build(b *bundle.Bundle, cas *labca.Authorities, net *network, log *slog.Logger, now time.Time, prev *generation) (*generation, error) {
	slots, err := addrmap.Assign(b.Plan)
	if err != nil {
		return nil, err
	}
	g := &generation{bundle: b, slots: slots, dns: map[string]*dnsserver.Server{}, certs: map[string]*tls.Certificate{},
		http: map[string]http.Handler{}, vips: map[string]*hlb.VIP{}, tlsOn: map[string]bool{}, roots: cas.Pool("all"),
		tokens: map[string]*webservices.TokenStore{}}
	g.header = "sha256:" + b.PlanDigest
	if b.AllowErrors {
		g.header += "; allow-errors (applied despite validation errors)"
	}
	// DNS, per view, from the zone files as applied.
	for _, view := range addrmap.Locations {
		var zones []dnsserver.Zone
		for _, zf := range b.Zones[view] {
			z, err := dnsserver.ParseZone(zf.Name, zf.Data)
			if err != nil {
				return nil, fmt.Errorf("%s zone %s: %w", view, zf.Name, err)
			}
			z.Kind = zf.Kind
			zones = append(zones, z)
		}
		srv, err := dnsserver.New(view, zones, log)
		if err != nil {
			return nil, err
		}
		g.dns[view] = srv
	}
	// Certificates: the planned requests signed by the planned issuer
	// with the planned keys; a declared certificate imitated.
	for _, c := range b.Plan.Certificates {
		var cert tls.Certificate
		if c.Existing() {
			cert, err = cas.Imitate(c.Issuer, b.Declared[c.Name], now)
		} else {
			var x *x509.Certificate
			var chain []byte
			x, chain, err = cas.Issue(c.Issuer, b.Requests[c.Name], now)
			if err == nil {
				cert, err = labca.TLSCertificate(x, chain, b.Keys[c.Name])
			}
		}
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", c.Name, err)
		}
		g.certs[c.Name] = &cert
	}
	// Tokens outlive a reload: signed-in users stay signed in.
	for _, p := range b.Plan.Directory.Pools {
		if prev != nil && prev.tokens[p.Name] != nil {
			g.tokens[p.Name] = prev.tokens[p.Name]
		} else {
			g.tokens[p.Name] = webservices.NewTokenStore(0)
		}
	}
	logContactNotes(log, ucwa.ContactListNotes(b.Plan.Directory))
	var ucwas ucwaServers
	for _, s := range slots {
		if s.Certificate != "" && g.certs[s.Certificate] == nil {
			return nil, fmt.Errorf("listener %s presents the certificate %s, which the plan does not have", s.Name, s.Certificate)
		}
		switch s.Serves {
		case "dns":
		case "reverse-proxy":
			h, err := proxyHandler(b.Plan, s, net, g.roots, log)
			if err != nil {
				return nil, err
			}
			g.http[key(s)] = h
		case "vip":
			v, err := vipFor(b.Plan, s, net, log)
			if err != nil {
				return nil, err
			}
			g.vips[key(s)] = v
		case "web-internal", "web-external":
			loc, _ := webservices.SiteOf(s.Serves)
			cfg, err := webservices.FromPlan(b.Plan, s.Host)
			if err != nil {
				return nil, fmt.Errorf("listener %s: %w", s.Name, err)
			}
			cfg.Location = loc
			cfg.Scheme = "http"
			if s.Certificate != "" {
				cfg.Scheme = "https"
			}
			cfg.Passwords = b.Passwords
			cfg.Tokens = g.tokens[cfg.Pool]
			u, err := ucwas.forServer(b.Plan, s.Host, cfg.Tokens)
			if err != nil {
				return nil, fmt.Errorf("listener %s: %w", s.Name, err)
			}
			cfg.UCWA = u
			h, err := webservices.New(cfg)
			if err != nil {
				return nil, fmt.Errorf("listener %s: %w", s.Name, err)
			}
			g.http[key(s)] = h
		case "sip", "edge-access":
			// TLS with the planned certificate, so a client can check its
			// names; no SIP is spoken.
			if s.Certificate == "" {
				return nil, fmt.Errorf("listener %s has no certificate", s.Name)
			}
			g.tlsOn[key(s)] = true
		default:
			return nil, fmt.Errorf("listener %s serves %q, which this runtime does not know", s.Name, s.Serves)
		}
	}
	g.hub = ucwas.hub
	return g, nil
}

// pushRecords are what the admin endpoint's GET /push answers.
func (g *generation) pushRecords() []ucwa.PushRecord {
	if g.hub == nil {
		return []ucwa.PushRecord{}
	}
	return g.hub.PushRecords()
}

func proxyHandler(p *plan.Plan, s addrmap.Slot, n *network, roots *x509.CertPool, log *slog.Logger) (http.Handler, error) {
	for _, rp := range p.ReverseProxies {
		for _, l := range rp.Listeners {
			if l.IP == s.RuntimeListen.IP && l.Port == s.Port {
				return proxy.Handler(proxy.Config{Proxy: rp, Listener: l, Dial: n.dialTarget, Roots: roots, Log: log})
			}
		}
	}
	return nil, fmt.Errorf("listener %s: no planned reverse proxy listens there", s.Name)
}

func vipFor(p *plan.Plan, s addrmap.Slot, n *network, log *slog.Logger) (*hlb.VIP, error) {
	for _, v := range p.VIPs {
		if v.IP == s.RuntimeListen.IP {
			for _, pp := range v.Ports {
				if pp.Front == s.Port {
					return hlb.New(v, pp.Front, n.dialPlanned, n.health, log)
				}
			}
		}
	}
	return nil, fmt.Errorf("listener %s: no planned VIP listens there", s.Name)
}

// sameEndpoints reports whether two generations serve the same planned
// endpoints, so a reload can keep every socket.
func sameEndpoints(a, b *generation) error {
	ka, kb := map[string]string{}, map[string]string{}
	for _, s := range a.slots {
		ka[key(s)] = s.Serves + " " + strings.Join(s.Reach, ",")
	}
	for _, s := range b.slots {
		kb[key(s)] = s.Serves + " " + strings.Join(s.Reach, ",")
	}
	for k, v := range kb {
		if ka[k] != v {
			return fmt.Errorf("the new plan serves %s differently (%s): stop and start serve to change the endpoints", k, v)
		}
	}
	for k := range ka {
		if _, ok := kb[k]; !ok {
			return fmt.Errorf("the new plan no longer serves %s: stop and start serve to change the endpoints", k)
		}
	}
	return nil
}

// maxContactNotes bounds how many contact-list notes serve logs: a
// topology of thousands of users with federated contacts would otherwise
// bury the request log.
const maxContactNotes = 20

// logContactNotes logs what of the declared contact lists the lab leaves
// out, so a contact missing from a phone's list in the lab is explained.
func logContactNotes(log *slog.Logger, notes []string) {
	for i, n := range notes {
		if i == maxContactNotes {
			log.Warn(fmt.Sprintf("%d more contact-list notes not shown", len(notes)-i))
			return
		}
		log.Warn("contact list: " + n)
	}
}
