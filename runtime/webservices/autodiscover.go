package webservices

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// webFQDN is the pool's web services FQDN for this listener's location:
// the external one from outside, where the pool has one.
func (h *Handler) webFQDN(p plan.Pool) string {
	if h.cfg.Location == External && p.WebExternalFQDN != "" {
		return p.WebExternalFQDN
	}
	return p.WebInternalFQDN
}

func (h *Handler) webTicketURL() string { return "https://" + h.webFQDN(h.pool) + linkWebTicket }

func (h *Handler) tokenURL() string { return "https://" + h.webFQDN(h.pool) + linkToken }

// userPath is the user resource's path of a flavour.
func userPath(oauth bool) string {
	if oauth {
		return linkRoot + "/oauth/user"
	}
	return linkRoot + "/user"
}

// serveRoot answers the Root resource, also served at "/" of the
// lyncdiscover hosts: 200 with the Root document, or 200 with a Redirect —
// never an HTTP 3xx, which clients do not follow.
func (h *Handler) serveRoot(w http.ResponseWriter, r *http.Request, rep protocol.Representation) {
	q, bad := h.readQuery(r)
	if bad != "" {
		h.fail(w, r, http.StatusBadRequest, rep, protocol.Error{Code: protocol.CodeBadRequest, Message: bad}, protocol.DiagLabMalformedRequest)
		return
	}
	if to, ok := h.onlineRedirect(q); ok {
		h.document(w, r, rep, protocol.NewRedirect(protocol.KindRoot, h.loc, to))
		return
	}
	if h.cfg.Scheme == "http" && !h.cfg.HTTPServesRoot {
		// MS-OCDISCWS: the HTTP Root MUST be a Redirect to the next hop.
		h.document(w, r, rep, protocol.NewRedirect(protocol.KindRoot, h.loc, "https://"+h.webFQDN(h.pool)+linkRoot+q.encode()))
		return
	}
	qs := q.encode()
	body, ok := h.roots.get(rep, qs)
	if !ok {
		web := "https://" + h.webFQDN(h.pool) + linkRoot
		d := &protocol.Document{Kind: protocol.KindRoot, AccessLocation: h.loc, Links: []protocol.Link{
			{Token: protocol.TokenSelf, Href: web + qs},
			{Token: protocol.TokenDomain, Href: web + "/domain" + qs},
			{Token: protocol.TokenUser, Href: web + "/user" + qs},
			{Token: protocol.TokenOAuth, Href: web + "/oauth/user" + qs},
			{Token: protocol.TokenXFrame, Href: "https://" + h.webFQDN(h.pool) + linkXFrame},
		}}
		var err error
		if body, err = d.Encode(rep); err != nil {
			h.fail(w, r, http.StatusInternalServerError, rep, protocol.Error{Code: protocol.CodeServiceFailure, Message: err.Error()}, 0)
			return
		}
		h.roots.put(rep, qs, body)
	}
	h.write(w, r, http.StatusOK, rep.ContentType(), body)
}

// maxCachedDocs bounds a docCache: the queries come from the network,
// so past this many the documents are encoded per request again.
const maxCachedDocs = 4096

// docCache holds encoded documents by representation and query; the
// bytes are shared by every response, so nothing may write to them.
type docCache struct {
	m sync.Map // docKey → []byte
	n atomic.Int64
}

type docKey struct {
	rep   protocol.Representation
	query string
}

func (c *docCache) get(rep protocol.Representation, query string) ([]byte, bool) {
	if v, ok := c.m.Load(docKey{rep, query}); ok {
		return v.([]byte), true
	}
	return nil, false
}

func (c *docCache) put(rep protocol.Representation, query string, body []byte) {
	if c.n.Load() >= maxCachedDocs {
		return
	}
	if _, loaded := c.m.LoadOrStore(docKey{rep, query}, body); !loaded {
		c.n.Add(1)
	}
}

// onlineRedirect is the hybrid redirect: a sipuri naming no user of the
// directory (in a served domain or not) goes to the hosting provider's
// Autodiscover, when one is configured.
func (h *Handler) onlineRedirect(q query) (string, bool) {
	if h.cfg.OnlineAutodiscoverURL == "" || q.sipuri == "" {
		return "", false
	}
	if _, known := h.users[strings.ToLower(q.sipuri)]; known {
		return "", false
	}
	u, err := url.Parse(h.cfg.OnlineAutodiscoverURL)
	if err != nil {
		return "", false
	}
	v := u.Query()
	d := q.originalDomain
	if d == "" {
		_, d, _ = strings.Cut(strings.ToLower(q.sipuri), "@")
	}
	if v.Get("originalDomain") == "" {
		v.Set("originalDomain", d)
	}
	u.RawQuery = v.Encode()
	return u.String(), true
}

// serveDomain answers the anonymous Domain resource: always 200.
func (h *Handler) serveDomain(w http.ResponseWriter, r *http.Request, rep protocol.Representation) {
	q, bad := h.readQuery(r)
	if bad != "" {
		h.fail(w, r, http.StatusBadRequest, rep, protocol.Error{Code: protocol.CodeBadRequest, Message: bad}, protocol.DiagLabMalformedRequest)
		return
	}
	d := &protocol.Document{Kind: protocol.KindDomain, AccessLocation: h.loc}
	h.addSIPAccess(d)
	qs := q.encode()
	for _, site := range h.sites() {
		d.Links = append(d.Links,
			protocol.Link{Token: site.prefix + "/Autodiscover", Href: "https://" + site.fqdn + linkRoot + qs},
			protocol.Link{Token: site.prefix + "/AuthBroker", Href: "https://" + site.fqdn + "/Reach/sip.svc"},
			protocol.Link{Token: site.prefix + "/Ucwa", Href: "https://" + site.fqdn + "/ucwa/v1/applications"})
	}
	h.document(w, r, rep, d)
}

// site is one of the pool's two web sites as the links name it.
type site struct{ prefix, fqdn string }

// sites are the pool's web sites, external first (the order the
// documentation's User example shows); a pool without an external web
// FQDN has only its internal site.
func (h *Handler) sites() []site {
	var out []site
	if h.pool.WebExternalFQDN != "" {
		out = append(out, site{"External", h.pool.WebExternalFQDN})
	}
	return append(out, site{"Internal", h.pool.WebInternalFQDN})
}

// sipPort is where the pool's SIP clients and servers connect (TLS).
const sipPort = 5061

// addSIPAccess adds the SIP access elements: the pool's FQDN inside, the
// Access Edge outside (when the plan has one).
func (h *Handler) addSIPAccess(d *protocol.Document) {
	d.SipServerInternalAccess = &protocol.SipAccess{FQDN: h.pool.FQDN, Port: sipPort}
	d.SipClientInternalAccess = &protocol.SipAccess{FQDN: h.pool.FQDN, Port: sipPort}
	if e := h.cfg.EdgeServer; e != nil {
		d.SipServerExternalAccess = &protocol.SipAccess{FQDN: e.FQDN, Port: e.Port}
	}
	if e := h.cfg.EdgeClient; e != nil {
		d.SipClientExternalAccess = &protocol.SipAccess{FQDN: e.FQDN, Port: e.Port}
	}
}

// userDocument is the User document of a user homed on this pool. Its links
// follow the product version: */Mcx only where the version has MCX (never
// SfB 2019). The Ucwa links point at the OAuth applications URL on the
// OAuth flavour and at the web-ticket one otherwise.
func (h *Handler) userDocument(oauth bool, q query) *protocol.Document {
	d := &protocol.Document{Kind: protocol.KindUser, AccessLocation: h.loc}
	h.addSIPAccess(d)
	ucwa := "/ucwa/v1/applications"
	if oauth {
		ucwa = "/ucwa/oauth/v1/applications"
	}
	qs := q.encode()
	sites := h.sites()
	add := func(suffix, path, query string) {
		for _, s := range sites {
			d.Links = append(d.Links, protocol.Link{Token: s.prefix + "/" + suffix, Href: "https://" + s.fqdn + path + query})
		}
	}
	add("Autodiscover", linkRoot, qs)
	add("AuthBroker", "/Reach/sip.svc", "")
	add("WebScheduler", "/Scheduler", "")
	if h.pool.MCX {
		add("Mcx", "/Mcx/McxService.svc", "")
	}
	add("Ucwa", ucwa, "")
	here := "https://" + h.webFQDN(h.pool)
	// The mobile clients' Ucwa link (and UCWA's _links.applications) is on
	// the external web services FQDN from inside too: "regardless of
	// whether a mobile device is internal or external to your network, the
	// device always connects to the Mobility service externally, through
	// your reverse proxy" (the planning guide), which is why internal
	// mobiles need hairpin (RP-007).
	mobile := here
	if h.pool.WebExternalFQDN != "" {
		mobile = "https://" + h.pool.WebExternalFQDN
	}
	d.Links = append(d.Links, protocol.Link{Token: protocol.TokenUcwa, Href: mobile + ucwa})
	add("XFrame", linkXFrame, "")
	d.Links = append(d.Links,
		protocol.Link{Token: protocol.TokenXFrame, Href: here + linkXFrame},
		protocol.Link{Token: protocol.TokenSelf, Href: here + userPath(oauth) + qs})
	for i, l := range d.Links {
		d.Links[i].Token, _ = protocol.CanonicalToken(l.Token)
	}
	return d
}

// serveUser answers the user resource of either flavour:
//
//   - over plain HTTP, a User Redirect to the same resource over HTTPS
//     (credentials never cross plain HTTP);
//   - without a valid credential, 401 with the flavour's challenge;
//   - a sipuri naming no user, or a credential whose user left the
//     directory, 404 with an empty body;
//   - a user homed on another pool, or on an SBA registered with another
//     pool, a User Redirect to that pool's user resource (the client signs
//     in again there: tokens are per pool);
//   - a user whose effective mobility policy has EnableMobility = False,
//     403 with the UCWA error MobileApplicationNoLongerAllowed naming the
//     policy, and X-Ms-diagnostics;
//   - otherwise 200 with the User document.
//
// Either credential is accepted on either flavour: an OAuth token
// (Authorization: Bearer) or a web ticket (X-MS-WebTicket: opaque=…, used
// even when an Authorization: Basic header is also present).
func (h *Handler) serveUser(w http.ResponseWriter, r *http.Request, rep protocol.Representation, oauth bool) {
	q, bad := h.readQuery(r)
	if bad != "" {
		h.fail(w, r, http.StatusBadRequest, rep, protocol.Error{Code: protocol.CodeBadRequest, Message: bad}, protocol.DiagLabMalformedRequest)
		return
	}
	if h.cfg.Scheme == "http" {
		h.document(w, r, rep, protocol.NewRedirect(protocol.KindUser, h.loc, "https://"+h.webFQDN(h.pool)+userPath(oauth)+q.encode()))
		return
	}
	sip, diag, reason := h.credential(r)
	if sip == "" {
		h.challenge(w, r, oauth, diag, reason)
		return
	}
	if q.sipuri != "" {
		if _, ok := h.users[strings.ToLower(q.sipuri)]; !ok {
			h.write(w, r, http.StatusNotFound, "", nil)
			return
		}
	}
	u, ok := h.users[sip]
	if !ok {
		h.write(w, r, http.StatusNotFound, "", nil)
		return
	}
	home, ok := h.homePool(u)
	if !ok {
		h.diagnose(w, protocol.DiagLabUnknownHomePool, "The user's home pool is not in the plan's directory.")
		h.write(w, r, http.StatusNotFound, "", nil)
		return
	}
	if home.Name != h.pool.Name {
		h.document(w, r, rep, protocol.NewRedirect(protocol.KindUser, h.loc, "https://"+h.webFQDN(home)+userPath(oauth)+q.encode()))
		return
	}
	if !u.Mobility.EnableMobility {
		policy := u.MobilityPolicy
		if policy == "" {
			policy = "the default"
		}
		reason := "Mobility is disabled for sip:" + u.SIP + " by mobility policy " + policy + " (EnableMobility = False)."
		h.fail(w, r, http.StatusForbidden, rep, protocol.Error{Code: protocol.CodeForbidden,
			Subcode: protocol.SubcodeMobileApplicationNoLongerAllowed, Message: reason}, protocol.DiagLabMobilityDisabled)
		return
	}
	h.document(w, r, rep, h.userDocument(oauth, q))
}

// homePool is the pool serving a user's web services: the home pool, or
// for a user homed on an SBA the pool the SBA registers with.
func (h *Handler) homePool(u *plan.User) (plan.Pool, bool) {
	name := u.HomePool
	if name == "" && u.HomeSBA != "" {
		s, ok := h.sbas[u.HomeSBA]
		if !ok {
			return plan.Pool{}, false
		}
		name = s.Pool
	}
	p, ok := h.pools[name]
	return p, ok
}

// credential returns the user a request's credential stands for, or the
// diagnostic of a credential presented and refused.
func (h *Handler) credential(r *http.Request) (sip string, diag int, reason string) {
	now := h.now()
	if v := r.Header.Get(protocol.WebTicketHeader); v != "" {
		a, err := protocol.ParseWebTicket(v)
		if err == nil {
			var id string
			if id, err = protocol.AssertionID(a); err == nil {
				if u, ok := h.cfg.Tokens.lookup(kindWebTicket, id, now); ok {
					return u, 0, ""
				}
			}
		}
		return "", protocol.DiagWebTicketInvalid, "The web ticket is invalid."
	}
	if tok := protocol.BearerToken(r.Header.Get("Authorization")); tok != "" {
		if u, ok := h.cfg.Tokens.lookup(kindOAuth, tok, now); ok {
			return u, 0, ""
		}
		return "", protocol.DiagOAuthTokenInvalid, "The OAuth token is invalid."
	}
	return "", 0, ""
}

// unauthorizedPage is the body of a 401, as IIS sends one.
const unauthorizedPage = `<!DOCTYPE html><html><head><title>401 - Unauthorized</title></head>` +
	`<body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>`

// challenge answers 401. The OAuth flavour sends the Bearer challenge then
// the MsRtcOAuth one, each in its own WWW-Authenticate header, exactly as
// protocol renders them; the web-ticket flavour sends X-MS-WebTicketURL and
// no WWW-Authenticate (a libpurple plug-in would otherwise answer the
// Negotiate/NTLM challenge itself).
func (h *Handler) challenge(w http.ResponseWriter, r *http.Request, oauth bool, diag int, reason string) {
	hd := w.Header()
	if oauth {
		hd.Add("WWW-Authenticate", protocol.NewBearerChallenge(h.cfg.SIPDomains[0]).String())
		hd.Add("WWW-Authenticate", protocol.OAuthChallenge{Href: h.tokenURL()}.String())
	} else {
		hd.Set(protocol.WebTicketURLHeader, h.webTicketURL())
	}
	if diag != 0 {
		h.diagnose(w, diag, reason)
	}
	h.write(w, r, http.StatusUnauthorized, "text/html", []byte(unauthorizedPage))
}
