// Package trace walks a mobile client's sign-in, step by step, against
// the lab runtime (through runtime.json's address map, the location's
// lab DNS and the lab CAs) or against a real deployment (--live: a DNS
// server or the system resolver, the system trust store), and says where
// and why it fails, with the rule ID. It is a client: it imports the
// message formats (runtime/protocol) and runtime.json (runtime/addrmap),
// never a server package.
package trace

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// FormatVersion is the version of the JSON result.
const FormatVersion = "1"

// Options say who signs in, from where, trusting what.
type Options struct {
	// SIP is the user's SIP address (user@domain, "sip:" optional).
	SIP      string
	Password string
	// From is the client's location: internal or external.
	From string
	// Trust is what the device trusts: "public" (the lab public CA only,
	// a phone without the enterprise root) or "all" (both lab CAs).
	Trust string
	// Runtime is the lab's runtime.json; nil with Live.
	Runtime *addrmap.Runtime
	// Live traces a real deployment: DNS through DNSServer (host:port),
	// or the system resolver when empty; the system trust store, plus
	// the CA certificates in CAFiles (PEM: the enterprise CA a managed
	// device trusts, which issued the internal certificates).
	Live      bool
	DNSServer string
	CAFiles   []string
	// Dial, with Live, connects instead of a direct TCP dial (a test
	// reaches a stand-in deployment through it); nil dials directly.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds each network step.
	Timeout time.Duration
	// UCWA goes on after sign-in: create an application, make the user
	// available, open the event channel once, delete the application.
	UCWA bool
	// MessageTo, with UCWA in the lab, signs that user in too (with
	// MessageToPassword) from the same location, leaves its application
	// in the background (no P-GET parked for BackgroundWait, as a phone
	// whose app is suspended) and sends it a message: the trace reports
	// the push notification the lab's Mobility service recorded for it
	// (GET /push on the admin endpoint) or, without a push path, that the
	// message was missed and why, with the rule ID; then the recipient
	// returns, and accepts and answers a pushed message (a round trip)
	// or finds the missed one in missedItems.
	MessageTo, MessageToPassword string
	// BackgroundWait is how long the recipient keeps no P-GET before the
	// message; zero means DefaultBackgroundWait.
	BackgroundWait time.Duration
}

// DefaultBackgroundWait outlasts the lab's 20 s after which an
// application with no P-GET parked is in the background.
const DefaultBackgroundWait = 21 * time.Second

// Step is one thing the client does.
type Step struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Expected string `json:"expected"`
	Got      string `json:"got"`
	Detail   string `json:"detail,omitempty"`
	// Rule is the catalogue rule a failure points at.
	Rule string `json:"rule,omitempty"`
	MS   int64  `json:"ms"`
}

// Result is the whole walk.
type Result struct {
	FormatVersion string `json:"format_version"`
	OK            bool   `json:"ok"`
	SIP           string `json:"sip"`
	From          string `json:"from"`
	Steps         []Step `json:"steps"`
}

// walker carries one trace.
type walker struct {
	o     Options
	res   *Result
	roots *x509.CertPool
	conns map[string]bool // host:port already reached (steps shown once)
	// resolved are the names the location's DNS answered.
	resolved map[string]bool
	hc       *http.Client
	// apps and tok are the applications URL and token the sign-in
	// reached.
	apps, tok string
}

// Run walks the sign-in and returns every step; Result.OK when all of
// them succeeded.
func Run(ctx context.Context, o Options) *Result {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	sip := strings.TrimPrefix(strings.ToLower(o.SIP), "sip:")
	w := &walker{o: o, res: &Result{FormatVersion: FormatVersion, SIP: sip, From: o.From, Steps: []Step{}}, conns: map[string]bool{}, resolved: map[string]bool{}}
	w.run(ctx, sip)
	w.res.OK = len(w.res.Steps) > 0
	for _, s := range w.res.Steps {
		if !s.OK {
			w.res.OK = false
		}
	}
	return w.res
}

func (w *walker) add(s Step, start time.Time) Step {
	s.MS = time.Since(start).Milliseconds()
	w.res.Steps = append(w.res.Steps, s)
	return s
}

func (w *walker) run(ctx context.Context, sip string) {
	start := time.Now()
	at := strings.LastIndex(sip, "@")
	if at <= 0 || at == len(sip)-1 {
		w.add(Step{Name: "SIP address", Expected: "user@domain", Got: sip}, start)
		return
	}
	domain := sip[at+1:]
	if err := w.trust(); err != nil {
		w.add(Step{Name: "trusted CAs", Expected: "the lab CAs' certificates", Got: err.Error()}, start)
		return
	}
	w.hc = &http.Client{
		Timeout: w.o.Timeout,
		Transport: &http.Transport{
			DialContext:         w.dial,
			TLSClientConfig:     &tls.Config{RootCAs: w.roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: w.o.Timeout,
			MaxIdleConnsPerHost: 4,
		},
		// Autodiscover never redirects with HTTP 3xx; a client does not
		// follow one (it moves to its next candidate URL).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer w.hc.CloseIdleConnections()

	// 1. Autodiscover: lyncdiscoverinternal first, then lyncdiscover.
	var root *protocol.Document
	var rootURL string
	for _, host := range []string{"lyncdiscoverinternal." + domain, "lyncdiscover." + domain} {
		internalName := strings.HasPrefix(host, "lyncdiscoverinternal.")
		q := "/?sipuri=" + url.QueryEscape(sip)
		failedAt := len(w.res.Steps)
		if w.reach(ctx, host, 443, internalName) {
			rootURL = "https://" + host + q
			if root = w.getDocument(ctx, "Autodiscover root at "+host, rootURL, "", protocol.KindRoot); root != nil {
				break
			}
		}
		if !w.resolved[host] || w.conns[net.JoinHostPort(host, "443")] {
			continue // the name does not resolve, or HTTPS answered (wrongly)
		}
		// HTTPS is not answered: clients also try the first hop over
		// HTTP, which a deployment may publish instead (RP-003).
		httpsSteps := len(w.res.Steps)
		if w.reach(ctx, host, 80, internalName) {
			rootURL = "http://" + host + q
			if root = w.getDocument(ctx, "Autodiscover root at "+host+" over HTTP", rootURL, "", protocol.KindRoot); root != nil {
				for i := failedAt; i < httpsSteps; i++ {
					if !w.res.Steps[i].OK {
						w.res.Steps[i].OK = true
						w.res.Steps[i].Detail = strings.TrimSpace(w.res.Steps[i].Detail + " Autodiscover is published over HTTP here (RP-003): the client's first hop is HTTP, the next ones HTTPS.")
						w.res.Steps[i].Rule = ""
					}
				}
				break
			}
		}
		// Neither: the HTTPS failure is the one to fix; the HTTP attempt
		// is shown as the client's fallback.
		for i := httpsSteps; i < len(w.res.Steps); i++ {
			if !w.res.Steps[i].OK {
				w.res.Steps[i].OK = true
				w.res.Steps[i].Detail = strings.TrimSpace(w.res.Steps[i].Detail + " (the client's HTTP fallback: not published either)")
				w.res.Steps[i].Rule = ""
			}
		}
	}
	if root == nil {
		if len(w.res.Steps) == 0 || w.res.Steps[len(w.res.Steps)-1].OK {
			w.add(Step{Name: "Autodiscover", Expected: "a Root document from lyncdiscoverinternal." + domain + " or lyncdiscover." + domain, Got: "none answered", Rule: "DNS-001"}, time.Now())
		}
		return
	}
	// In-band redirects (HTTP → HTTPS root, another domain, online).
	for i := 0; i < 5; i++ {
		href, ok := root.Redirect()
		if !ok {
			break
		}
		step := time.Now()
		w.add(Step{Name: "Root redirect", OK: true, Expected: "an in-band Redirect link or the user links", Got: href}, step)
		if !w.reachURL(ctx, href) {
			return
		}
		if root = w.getDocument(ctx, "Autodiscover root after redirect", href, "", protocol.KindRoot); root == nil {
			return
		}
	}
	userURL, ok := root.Link(protocol.TokenOAuth)
	if !ok {
		w.add(Step{Name: "user link", Expected: "the Root's OAuth user link", Got: "no user link in the Root document"}, time.Now())
		return
	}
	// 2. The user resource: 401, token, user resource; again at the pool
	// a user-level redirect names.
	for hop := 0; hop < 5; hop++ {
		if !w.reachURL(ctx, userURL) {
			return
		}
		tokenURL := w.challenge(ctx, userURL)
		if tokenURL == "" || !w.reachURL(ctx, tokenURL) {
			return
		}
		token := w.token(ctx, tokenURL, sip)
		if token == "" {
			return
		}
		user := w.getDocument(ctx, "user resource", userURL, token, protocol.KindUser)
		if user == nil {
			return
		}
		if href, ok := user.Redirect(); ok {
			w.add(Step{Name: "user redirect", OK: true, Expected: "the user's home pool", Got: href, Detail: "the user is homed on another pool: sign in again there"}, time.Now())
			userURL = href
			continue
		}
		apps, ok := user.Link(protocol.TokenUcwa)
		if !ok {
			w.add(Step{Name: "UCWA applications URL", Expected: "an applications link in the user resource", Got: "none"}, time.Now())
			return
		}
		step := time.Now()
		w.add(Step{Name: "UCWA applications URL", OK: true, Expected: "an applications link", Got: apps}, step)
		// 3. Is it reachable from the same location? (Where a missing
		// hairpin shows.) Then UCWA itself.
		if w.reachURL(ctx, apps) {
			w.apps, w.tok = apps, token
			if w.o.UCWA {
				w.ucwa(ctx, apps, token)
			}
		}
		return
	}
	w.add(Step{Name: "user redirect", Expected: "at most 5 redirects", Got: "more"}, time.Now())
}

// trust loads what the device trusts.
func (w *walker) trust() error {
	var files []string
	if w.o.Live {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return err
		}
		// A copy: what is added stays in this walk.
		w.roots = pool
		files = w.o.CAFiles
	} else {
		if w.o.Runtime == nil {
			return errors.New("no runtime.json: start the lab with 'mobplan serve', or trace a real deployment with --live")
		}
		w.roots = x509.NewCertPool()
		files = []string{w.o.Runtime.CAs.Public}
		if w.o.Trust != "public" {
			files = append(files, w.o.Runtime.CAs.Internal)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if !w.roots.AppendCertsFromPEM(b) {
			return fmt.Errorf("%s holds no certificate", f)
		}
	}
	return nil
}

// reachURL makes sure the URL's host is reachable (DNS, connection,
// TLS), adding those steps the first time a host is seen.
func (w *walker) reachURL(ctx context.Context, href string) bool {
	u, err := url.Parse(href)
	if err != nil || u.Host == "" {
		w.add(Step{Name: "URL", Expected: "an absolute URL", Got: href}, time.Now())
		return false
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	return w.reach(ctx, u.Hostname(), port, false)
}

// reach resolves host in the location's DNS, connects and checks TLS,
// once per host and port.
func (w *walker) reach(ctx context.Context, host string, port int, internalName bool) bool {
	k := net.JoinHostPort(host, strconv.Itoa(port))
	if ok, seen := w.conns[k]; seen {
		return ok
	}
	ok := w.reachOnce(ctx, host, port, internalName)
	w.conns[k] = ok
	return ok
}

func (w *walker) reachOnce(ctx context.Context, host string, port int, internalName bool) bool {
	start := time.Now()
	addrs, err := w.lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		s := Step{Name: "resolve " + host, Expected: "an address in the " + w.o.From + " DNS", Got: errString(err, "no address")}
		switch {
		case internalName && w.o.From == "external":
			// Internal names are not published outside: the client moves
			// on to lyncdiscover, as expected.
			s.OK, s.Detail = true, "not published outside (as planned); the client falls back to lyncdiscover"
		case internalName:
			s.Rule, s.Detail = "DNS-002", "inside, every SIP domain needs lyncdiscoverinternal pointing at the internal web services; the client falls back to lyncdiscover"
		default:
			s.Rule = "DNS-001"
			if w.o.From == "internal" {
				s.Detail = "inside, the client falls back to lyncdiscover, which internal DNS must resolve too"
			}
		}
		w.add(s, start)
		return false
	}
	if !w.resolved[host] {
		w.resolved[host] = true
		w.add(Step{Name: "resolve " + host, OK: true, Expected: "an address", Got: strings.Join(addrs, ", ")}, start)
	}
	start = time.Now()
	conn, served, err := w.connect(ctx, addrs, port)
	if err != nil {
		s := Step{Name: fmt.Sprintf("connect %s:%d", host, port), Expected: "a TCP connection from the " + w.o.From + " network", Got: err.Error()}
		if w.o.From == "internal" {
			s.Rule = "RP-007"
			s.Detail = "from inside, a public address is reached only where the firewall allows hairpin or the reverse proxy is separate from it"
		} else {
			s.Rule = "DNS-001"
			s.Detail = "from outside only the reverse proxy's public listeners are reachable: the public record must point at one"
		}
		w.add(s, start)
		return false
	}
	w.add(Step{Name: fmt.Sprintf("connect %s:%d", host, port), OK: true, Expected: "a TCP connection", Got: served}, start)
	if port == 80 {
		conn.Close()
		return true
	}
	start = time.Now()
	tc := tls.Client(conn, &tls.Config{ServerName: host, RootCAs: w.roots, MinVersion: tls.VersionTLS12})
	tctx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	err = tc.HandshakeContext(tctx)
	cancel()
	tc.Close()
	if err != nil {
		s := Step{Name: "TLS " + host, Expected: "a certificate for " + host + " from a trusted CA", Got: err.Error()}
		var he x509.HostnameError
		var ua x509.UnknownAuthorityError
		switch {
		case errors.As(err, &he):
			s.Rule = "CERT-006"
			if strings.HasPrefix(host, "lyncdiscoverinternal.") {
				s.Rule = "CERT-004"
			}
			s.Detail = "the certificate presented does not name " + host
		case errors.As(err, &ua):
			s.Rule = "CERT-008"
			s.Detail = "the device does not trust the certificate's issuer (an internal CA on a phone without the enterprise root)"
		}
		w.add(s, start)
		return false
	}
	st := tc.ConnectionState()
	got := "verified"
	if len(st.PeerCertificates) > 0 {
		c := st.PeerCertificates[0]
		got = fmt.Sprintf("subject %s, issuer %s, SANs %s", c.Subject.CommonName, c.Issuer.CommonName, strings.Join(c.DNSNames, " "))
	}
	w.add(Step{Name: "TLS " + host, OK: true, Expected: "a certificate for " + host + " from a trusted CA", Got: got}, start)
	return true
}

// lookup resolves a name as the location's device would.
func (w *walker) lookup(ctx context.Context, host string) ([]string, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []string{a.String()}, nil
	}
	server := w.o.DNSServer
	if !w.o.Live {
		server = w.o.Runtime.DNS[w.o.From]
	}
	if server == "" {
		return net.DefaultResolver.LookupHost(ctx, host)
	}
	c := &dns.Client{Timeout: w.o.Timeout}
	var out []string
	var rcode string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(host), t)
		m.RecursionDesired = true
		r, _, err := c.ExchangeContext(ctx, m, server)
		if err != nil {
			return nil, err
		}
		rcode = dns.RcodeToString[r.Rcode]
		for _, rr := range r.Answer {
			switch a := rr.(type) {
			case *dns.A:
				out = append(out, a.A.String())
			case *dns.AAAA:
				out = append(out, a.AAAA.String())
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s (no A or AAAA record)", rcode)
	}
	return out, nil
}

// connect dials the first reachable address; in the lab, through the
// location's address map.
func (w *walker) connect(ctx context.Context, addrs []string, port int) (net.Conn, string, error) {
	var last error
	for _, a := range addrs {
		target := net.JoinHostPort(a, strconv.Itoa(port))
		if !w.o.Live {
			served, ok := w.o.Runtime.Served(w.o.From, target)
			if !ok {
				last = fmt.Errorf("%s is not reachable from the %s network", target, w.o.From)
				continue
			}
			target = served
		}
		dial := (&net.Dialer{Timeout: w.o.Timeout}).DialContext
		if w.o.Live && w.o.Dial != nil {
			dial = w.o.Dial
		}
		c, err := dial(ctx, "tcp", target)
		if err == nil {
			return c, target, nil
		}
		last = err
	}
	return nil, "", last
}

// dial is the HTTP client's dialer: the same resolution and map.
func (w *walker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portS, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(portS)
	addrs, err := w.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	c, _, err := w.connect(ctx, addrs, port)
	return c, err
}

// getDocument GETs an Autodiscover resource as a UCWA client does
// (Accept: application/json), with a token when given.
func (w *walker) getDocument(ctx context.Context, name, href, token string, kind protocol.Kind) *protocol.Document {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, href, nil)
	if err != nil {
		w.add(Step{Name: name, Expected: "a URL", Got: err.Error()}, start)
		return nil
	}
	req.Header.Set("Accept", protocol.MediaJSON)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, body, err := w.do(req)
	if err != nil {
		w.add(Step{Name: name, Expected: "200 with the " + kind.String() + " document", Got: err.Error()}, start)
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		s := Step{Name: name, Expected: "200 with the " + kind.String() + " document", Got: resp.Status, Detail: reason(resp, body)}
		if resp.StatusCode == http.StatusForbidden {
			s.Rule = "POL-001"
		}
		w.add(s, start)
		return nil
	}
	d, err := protocol.Decode(protocol.UCWAJSON, body)
	if err != nil {
		w.add(Step{Name: name, Expected: "the " + kind.String() + " document", Got: err.Error()}, start)
		return nil
	}
	links := make([]string, 0, len(d.Links))
	for _, l := range d.Links {
		links = append(links, l.Token)
	}
	w.add(Step{Name: name, OK: true, Expected: "200 with the " + kind.String() + " document", Got: "200, links " + strings.Join(links, ", "),
		Detail: "X-MS-Server-Fqdn " + resp.Header.Get("X-MS-Server-Fqdn")}, start)
	return d
}

// challenge asks the user resource without a token: 401 with the
// MsRtcOAuth challenge naming the token service.
func (w *walker) challenge(ctx context.Context, userURL string) string {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, userURL, nil)
	if err != nil {
		w.add(Step{Name: "user resource (no token)", Expected: "a URL", Got: err.Error()}, start)
		return ""
	}
	req.Header.Set("Accept", protocol.MediaJSON)
	resp, body, err := w.do(req)
	expected := `401 with WWW-Authenticate: MsRtcOAuth href="…/WebTicket/oauthtoken"`
	if err != nil {
		w.add(Step{Name: "user resource (no token)", Expected: expected, Got: err.Error()}, start)
		return ""
	}
	c, ok := protocol.FindOAuthChallenge(resp.Header.Values("WWW-Authenticate"))
	if resp.StatusCode != http.StatusUnauthorized || !ok {
		w.add(Step{Name: "user resource (no token)", Expected: expected, Got: resp.Status, Detail: reason(resp, body)}, start)
		return ""
	}
	w.add(Step{Name: "user resource (no token)", OK: true, Expected: expected, Got: "401, token service " + c.Href}, start)
	return c.Href
}

// token gets an OAuth token with the password grant.
func (w *walker) token(ctx context.Context, tokenURL, sip string) string {
	start := time.Now()
	form := protocol.TokenRequest{GrantType: "password", Username: sip, Password: w.o.Password}.Form()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		w.add(Step{Name: "token", Expected: "a URL", Got: err.Error()}, start)
		return ""
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	resp, body, err := w.do(req)
	if err != nil {
		w.add(Step{Name: "token", Expected: "200 with an access token", Got: err.Error()}, start)
		return ""
	}
	if resp.StatusCode != http.StatusOK {
		got := resp.Status
		if te, err := protocol.DecodeTokenError(body); err == nil {
			got += " " + te.Error()
		}
		w.add(Step{Name: "token", Expected: "200 with an access token", Got: got, Detail: reason(resp, body)}, start)
		return ""
	}
	t, err := protocol.DecodeTokenResponse(body)
	if err != nil {
		w.add(Step{Name: "token", Expected: "200 with an access token", Got: err.Error()}, start)
		return ""
	}
	w.add(Step{Name: "token", OK: true, Expected: "200 with an access token", Got: fmt.Sprintf("a %s token for %d s", t.TokenType, t.ExpiresIn)}, start)
	return t.AccessToken
}

// do sends a request and reads a bounded body.
func (w *walker) do(req *http.Request) (*http.Response, []byte, error) { return doWith(w.hc, req) }

func doWith(hc *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, err
	}
	return resp, bytes.TrimSpace(body), nil
}

// reason is what a server said about a refusal: X-Ms-diagnostics, or a
// UCWA error body.
func reason(resp *http.Response, body []byte) string {
	if d := resp.Header.Get("X-Ms-diagnostics"); d != "" {
		return d
	}
	if e, err := protocol.DecodeError(body); err == nil && e.Message != "" {
		return e.Message
	}
	return ""
}

func errString(err error, def string) string {
	if err != nil {
		return err.Error()
	}
	return def
}

// session is one signed-in client's UCWA conversation with a Front End.
type session struct {
	label string // "" for the traced user, else a prefix for step names
	base  *url.URL
	token string
	first string // the Front End that created the application
	self  string // the application
	next  string // the event channel's next P-GET
	start string // the startMessaging link
	// hc is the client's own HTTP client (its connections); nil is the
	// walker's.
	hc *http.Client
}

type links map[string]struct {
	Href string `json:"href"`
}

// call sends one UCWA request and adds its step, naming the Front End
// that served it: an application lives on one Front End, so a step
// served by another shows where load-balancer affinity broke.
func (w *walker) call(ctx context.Context, se *session, name, method, href, contentType, body string, want int, expected string) ([]byte, bool) {
	start := time.Now()
	name = se.label + name
	u, err := se.base.Parse(href)
	if err != nil {
		w.add(Step{Name: name, Expected: expected, Got: err.Error()}, start)
		return nil, false
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
	if err != nil {
		w.add(Step{Name: name, Expected: expected, Got: err.Error()}, start)
		return nil, false
	}
	req.Header.Set("Authorization", "Bearer "+se.token)
	req.Header.Set("Accept", protocol.MediaJSON)
	if body != "" {
		if contentType == "" {
			contentType = protocol.MediaJSON
		}
		req.Header.Set("Content-Type", contentType)
	}
	hc := se.hc
	if hc == nil {
		hc = w.hc
	}
	resp, b, err := doWith(hc, req)
	if err != nil {
		w.add(Step{Name: name, Expected: expected, Got: err.Error()}, start)
		return nil, false
	}
	fe := resp.Header.Get("X-MS-Server-Fqdn")
	if se.first == "" {
		se.first = fe
	}
	detail := "served by " + fe
	if fe != se.first {
		detail += "; the application was created on " + se.first + ": the load balancer did not keep this client on one Front End"
	}
	if resp.StatusCode != want {
		got := resp.Status
		if e, err := protocol.DecodeError(b); err == nil {
			got += " " + e.Error()
		}
		w.add(Step{Name: name, Expected: expected, Got: got, Detail: detail}, start)
		return nil, false
	}
	if resp.Header.Get("X-MS-UcwaVersion") == "" {
		w.add(Step{Name: name, Expected: expected + " with X-MS-UcwaVersion", Got: resp.Status + " without it", Detail: detail}, start)
		return nil, false
	}
	w.add(Step{Name: name, OK: true, Expected: expected, Got: resp.Status, Detail: detail}, start)
	return b, true
}

// available creates an application, makes the user available and opens
// the event channel once.
func (w *walker) available(ctx context.Context, se *session) bool {
	b, ok := w.call(ctx, se, "UCWA application", http.MethodPost, se.base.String(), "",
		`{"userAgent":"mobplan-trace","endpointId":"`+w.res.SIP+`-trace","culture":"en-US"}`, http.StatusCreated, "201 with the application")
	if !ok {
		return false
	}
	var app struct {
		Links    links `json:"_links"`
		Embedded struct {
			Me struct {
				Links links `json:"_links"`
			} `json:"me"`
			Communication struct {
				Links links `json:"_links"`
			} `json:"communication"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(b, &app); err != nil || app.Links["self"].Href == "" || app.Links["events"].Href == "" ||
		app.Embedded.Me.Links["makeMeAvailable"].Href == "" {
		w.add(Step{Name: se.label + "UCWA application", Expected: "self, events and makeMeAvailable links", Got: "not in the body"}, time.Now())
		return false
	}
	se.self, se.next, se.start = app.Links["self"].Href, app.Links["events"].Href, app.Embedded.Communication.Links["startMessaging"].Href
	if _, ok := w.call(ctx, se, "makeMeAvailable", http.MethodPost, app.Embedded.Me.Links["makeMeAvailable"].Href, "",
		`{"supportedModalities":["Messaging"]}`, http.StatusNoContent, "204"); !ok {
		return false
	}
	// Events are queued by makeMeAvailable, so the P-GET answers at once.
	_, ok = w.events(ctx, se, "event channel")
	return ok
}

// event is one event of an events response.
type event struct {
	Sender string
	Link   struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"link"`
	Type     string                     `json:"type"`
	Status   string                     `json:"status"`
	Reason   *protocol.Error            `json:"reason"`
	Embedded map[string]json.RawMessage `json:"_embedded"`
}

// events GETs the event channel once (events already queued answer at
// once) and moves the session on to the next link.
func (w *walker) events(ctx context.Context, se *session, name string) ([]event, bool) {
	b, ok := w.call(ctx, se, name, http.MethodGet, se.next+"&timeout=180", "", "", http.StatusOK, "200 with events and a next link")
	if !ok {
		return nil, false
	}
	var ev struct {
		Links  links `json:"_links"`
		Sender []struct {
			Rel    string  `json:"rel"`
			Events []event `json:"events"`
		} `json:"sender"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || ev.Links["next"].Href == "" || ev.Sender == nil {
		w.res.Steps[len(w.res.Steps)-1].OK = false
		w.res.Steps[len(w.res.Steps)-1].Got = "no next link or sender array"
		return nil, false
	}
	se.next = ev.Links["next"].Href
	var out []event
	for _, s := range ev.Sender {
		for _, e := range s.Events {
			e.Sender = s.Rel
			out = append(out, e)
		}
	}
	return out, true
}

func find(evs []event, rel, typ string) *event {
	for i := range evs {
		if evs[i].Link.Rel == rel && evs[i].Type == typ {
			return &evs[i]
		}
	}
	return nil
}

// ucwa creates an application, makes the user available and opens the
// event channel once; with MessageTo, it sends the recipient a message;
// then it deletes the application.
func (w *walker) ucwa(ctx context.Context, apps, token string) {
	base, err := url.Parse(apps)
	if err != nil {
		return
	}
	se := &session{base: base, token: token}
	if !w.available(ctx, se) {
		return
	}
	if w.o.MessageTo != "" {
		w.message(ctx, se)
	}
	w.call(ctx, se, "delete the application", http.MethodDelete, se.self, "", "", http.StatusNoContent, "204")
}

// pushRecord is what the lab's admin endpoint reports of one push
// notification (GET /push).
type pushRecord struct {
	Seq      int      `json:"seq"`
	Kind     string   `json:"kind"`
	To       string   `json:"to"`
	From     string   `json:"from"`
	Message  string   `json:"message"`
	Server   string   `json:"server"`
	Route    []string `json:"route"`
	Services []string `json:"services"`
}

// pushRecords reads the lab's push notification records for the SIP
// address.
func (w *walker) pushRecords(ctx context.Context, sip string) ([]pushRecord, error) {
	if w.o.Runtime == nil || w.o.Runtime.Admin == "" {
		return nil, errors.New("runtime.json names no admin endpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.o.Runtime.Admin+"/push", nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Timeout: w.o.Timeout}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("admin endpoint GET /push: %s %v", resp.Status, err)
	}
	var all []pushRecord
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("admin endpoint GET /push: %w", err)
	}
	var out []pushRecord
	for _, r := range all {
		if strings.EqualFold(strings.TrimPrefix(r.To, "sip:"), sip) {
			out = append(out, r)
		}
	}
	return out, nil
}

// ruleID finds a catalogue rule ID (PUSH-001) in a message.
var ruleID = regexp.MustCompile(`\b[A-Z]{2,5}-[0-9]{3}\b`)

// traceMessage is the first message the trace sends.
const traceMessage = "mobplan trace: are you there?"

// message signs the recipient in, leaves it in the background, sends it
// a message and reports the push notification or the miss; the
// recipient then returns.
func (w *walker) message(ctx context.Context, se *session) {
	to := strings.TrimPrefix(strings.ToLower(w.o.MessageTo), "sip:")
	label := "recipient " + to + ": "
	// The recipient walks its own sign-in, from the same location.
	ro := w.o
	ro.SIP, ro.Password, ro.UCWA, ro.MessageTo = to, w.o.MessageToPassword, false, ""
	rw := &walker{o: ro, res: &Result{SIP: to, From: w.o.From}, conns: map[string]bool{}, resolved: map[string]bool{}}
	rw.run(ctx, to)
	for _, s := range rw.res.Steps {
		s.Name = label + s.Name
		w.res.Steps = append(w.res.Steps, s)
	}
	if rw.apps == "" {
		return
	}
	rbase, err := url.Parse(rw.apps)
	if err != nil {
		return
	}
	// Its requests go over its own connections.
	r := &session{label: label, base: rbase, token: rw.tok, hc: rw.hc}
	defer rw.hc.CloseIdleConnections()
	if !w.available(ctx, r) {
		return
	}
	defer w.call(ctx, r, "delete the application", http.MethodDelete, r.self, "", "", http.StatusNoContent, "204")
	before, err := w.pushRecords(ctx, to)
	if err != nil {
		w.add(Step{Name: "lab push records", Expected: "GET /push on the admin endpoint", Got: err.Error()}, time.Now())
		return
	}
	seen := 0
	for _, p := range before {
		seen = max(seen, p.Seq)
	}

	wait := w.o.BackgroundWait
	if wait <= 0 {
		wait = DefaultBackgroundWait
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		w.add(Step{Name: label + "in the background", Expected: "no P-GET parked for " + wait.String(), Got: ctx.Err().Error()}, start)
		return
	case <-time.After(wait):
	}
	w.add(Step{Name: label + "in the background", OK: true, Expected: "no P-GET parked for " + wait.String(), Got: "none for " + wait.String(),
		Detail: "a phone whose app is suspended keeps no P-GET: the Mobility service reaches it by push"}, start)

	body, _ := json.Marshal(map[string]any{"to": "sip:" + to, "_links": map[string]any{"message": map[string]string{
		"href": "data:text/plain;charset=utf-8," + strings.ReplaceAll(url.QueryEscape(traceMessage), "+", "%20")}}})
	if se.start == "" {
		w.add(Step{Name: "message to " + to, Expected: "a startMessaging link in the application", Got: "none"}, time.Now())
		return
	}
	if _, ok := w.call(ctx, se, "message to "+to, http.MethodPost, se.start, "", string(body), http.StatusCreated, "201 with Location"); !ok {
		return
	}
	// The invitation's outcome so far: a miss completes it at once.
	evs, ok := w.events(ctx, se, "event channel after the message")
	if !ok {
		return
	}
	start = time.Now()
	after, err := w.pushRecords(ctx, to)
	if err != nil {
		w.add(Step{Name: "lab push records", Expected: "GET /push on the admin endpoint", Got: err.Error()}, start)
		return
	}
	var pushed *pushRecord
	for i := range after {
		if after[i].Seq > seen && after[i].Kind == "messagingInvitation" {
			pushed = &after[i]
		}
	}
	missed := ""
	if done := find(evs, "messagingInvitation", "completed"); done != nil && done.Status == "Failure" && done.Reason != nil {
		missed = done.Reason.Message
		if missed == "" {
			missed = done.Reason.Error()
		}
	}
	name := "push notification to " + to
	switch {
	case pushed != nil:
		w.add(Step{Name: name, OK: true, Expected: "a push notification through the Edge", Got: strings.Join(pushed.Services, ", ") + " via " + strings.Join(pushed.Route, " → "),
			Detail: fmt.Sprintf("sent by %s from %s: %q", pushed.Server, pushed.From, pushed.Message)}, start)
	case missed != "":
		s := Step{Name: name, Expected: "a push notification through the Edge", Got: "none: the message was missed: " + missed,
			Detail: "the recipient finds a missed conversation (missedItems) when it returns"}
		if s.Rule = ruleID.FindString(missed); s.Rule == "" {
			// The plan has no push path by design: missing is expected.
			s.OK = true
		}
		w.add(s, start)
	default:
		w.add(Step{Name: name, Expected: "a push notification through the Edge, or the miss", Got: "no push record and the invitation is still pending"}, start)
		return
	}

	// The recipient returns.
	revs, ok := w.events(ctx, r, "back in the foreground")
	if !ok {
		return
	}
	if pushed == nil {
		start = time.Now()
		if m := find(revs, "missedItems", "updated"); m != nil {
			var items struct {
				Missed int `json:"missedConversationsCount"`
			}
			_ = json.Unmarshal(m.Embedded["missedItems"], &items)
			w.add(Step{Name: label + "missed items", OK: true, Expected: "missedItems updated", Got: fmt.Sprintf("%d missed conversation(s)", items.Missed)}, start)
		} else {
			w.add(Step{Name: label + "missed items", Expected: "missedItems updated", Got: "no missedItems event"}, start)
		}
		return
	}
	inv := find(revs, "messagingInvitation", "started")
	var in struct {
		Links links `json:"_links"`
	}
	if inv != nil {
		_ = json.Unmarshal(inv.Embedded["messagingInvitation"], &in)
	}
	start = time.Now()
	first, _ := url.QueryUnescape(strings.TrimPrefix(in.Links["message"].Href, "data:text/plain;charset=utf-8,"))
	if inv == nil || in.Links["accept"].Href == "" || first != traceMessage {
		w.add(Step{Name: label + "invitation", Expected: "the messagingInvitation with accept and the first message", Got: fmt.Sprintf("%d events, first message %q", len(revs), first)}, start)
		return
	}
	w.add(Step{Name: label + "invitation", OK: true, Expected: "the messagingInvitation with accept and the first message", Got: fmt.Sprintf("%q", first)}, start)
	if _, ok := w.call(ctx, r, "accept", http.MethodPost, in.Links["accept"].Href, "", "", http.StatusNoContent, "204"); !ok {
		return
	}
	revs, ok = w.events(ctx, r, "event channel after accepting")
	if !ok {
		return
	}
	var send string
	for _, e := range revs {
		if e.Link.Rel == "messaging" && e.Type == "updated" {
			var m struct {
				Links links `json:"_links"`
			}
			if json.Unmarshal(e.Embedded["messaging"], &m) == nil && m.Links["sendMessage"].Href != "" {
				send = m.Links["sendMessage"].Href
			}
		}
	}
	if send == "" {
		w.add(Step{Name: label + "messaging", Expected: "a sendMessage link once connected", Got: "none"}, time.Now())
		return
	}
	const reply = "mobplan trace: received"
	if _, ok := w.call(ctx, r, "reply", http.MethodPost, send, "text/plain; charset=utf-8", reply, http.StatusCreated, "201 with Location"); !ok {
		return
	}
	evs, ok = w.events(ctx, se, "event channel after the reply")
	if !ok {
		return
	}
	start = time.Now()
	var got string
	if m := find(evs, "message", "completed"); m != nil {
		var msg struct {
			Direction string `json:"direction"`
			Links     links  `json:"_links"`
		}
		if json.Unmarshal(m.Embedded["message"], &msg) == nil && msg.Direction == "Incoming" {
			got, _ = url.QueryUnescape(strings.TrimPrefix(msg.Links["plainMessage"].Href, "data:text/plain;charset=utf-8,"))
		}
	}
	accepted := find(evs, "messagingInvitation", "completed")
	if got != reply || accepted == nil || accepted.Status != "Success" {
		w.add(Step{Name: "message round trip", Expected: fmt.Sprintf("the invitation accepted and the reply %q", reply), Got: fmt.Sprintf("reply %q", got)}, start)
		return
	}
	w.add(Step{Name: "message round trip", OK: true, Expected: "the invitation accepted and the reply", Got: fmt.Sprintf("sent %q, received %q", traceMessage, got)}, start)
}
