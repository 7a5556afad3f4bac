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
}

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
		if w.reachURL(ctx, apps) && w.o.UCWA {
			w.ucwa(ctx, apps, token)
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
func (w *walker) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := w.hc.Do(req)
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

// ucwa creates an application, makes the user available and opens the
// event channel once, reporting the Front End that served each step: an
// application lives on one Front End, so a step served by another shows
// where load-balancer affinity broke.
func (w *walker) ucwa(ctx context.Context, apps, token string) {
	base, err := url.Parse(apps)
	if err != nil {
		return
	}
	first := ""
	call := func(name, method, href, body string, want int, expected string) (*http.Response, []byte, bool) {
		start := time.Now()
		u, err := base.Parse(href)
		if err != nil {
			w.add(Step{Name: name, Expected: expected, Got: err.Error()}, start)
			return nil, nil, false
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
		if err != nil {
			w.add(Step{Name: name, Expected: expected, Got: err.Error()}, start)
			return nil, nil, false
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", protocol.MediaJSON)
		if body != "" {
			req.Header.Set("Content-Type", protocol.MediaJSON)
		}
		resp, b, err := w.do(req)
		if err != nil {
			w.add(Step{Name: name, Expected: expected, Got: err.Error()}, start)
			return nil, nil, false
		}
		fe := resp.Header.Get("X-MS-Server-Fqdn")
		if first == "" {
			first = fe
		}
		detail := "served by " + fe
		if fe != first {
			detail += "; the application was created on " + first + ": the load balancer did not keep this client on one Front End"
		}
		if resp.StatusCode != want {
			got := resp.Status
			if e, err := protocol.DecodeError(b); err == nil {
				got += " " + e.Error()
			}
			w.add(Step{Name: name, Expected: expected, Got: got, Detail: detail}, start)
			return nil, nil, false
		}
		if resp.Header.Get("X-MS-UcwaVersion") == "" {
			w.add(Step{Name: name, Expected: expected + " with X-MS-UcwaVersion", Got: resp.Status + " without it", Detail: detail}, start)
			return nil, nil, false
		}
		w.add(Step{Name: name, OK: true, Expected: expected, Got: resp.Status, Detail: detail}, start)
		return resp, b, true
	}
	_, b, ok := call("UCWA application", http.MethodPost, apps,
		`{"userAgent":"mobplan-trace","endpointId":"`+w.res.SIP+`-trace","culture":"en-US"}`, http.StatusCreated, "201 with the application")
	if !ok {
		return
	}
	var app struct {
		Links map[string]struct {
			Href string `json:"href"`
		} `json:"_links"`
		Embedded struct {
			Me struct {
				Links map[string]struct {
					Href string `json:"href"`
				} `json:"_links"`
			} `json:"me"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(b, &app); err != nil || app.Links["self"].Href == "" || app.Links["events"].Href == "" ||
		app.Embedded.Me.Links["makeMeAvailable"].Href == "" {
		w.add(Step{Name: "UCWA application", Expected: "self, events and makeMeAvailable links", Got: "not in the body"}, time.Now())
		return
	}
	self := app.Links["self"].Href
	if _, _, ok := call("makeMeAvailable", http.MethodPost, app.Embedded.Me.Links["makeMeAvailable"].Href,
		`{"supportedModalities":["Messaging"]}`, http.StatusNoContent, "204"); !ok {
		return
	}
	// Events are queued by makeMeAvailable, so the P-GET answers at once.
	if _, b, ok := call("event channel", http.MethodGet, app.Links["events"].Href+"&timeout=180", "", http.StatusOK, "200 with events and a next link"); ok {
		var ev struct {
			Links map[string]struct {
				Href string `json:"href"`
			} `json:"_links"`
			Sender []json.RawMessage `json:"sender"`
		}
		if err := json.Unmarshal(b, &ev); err != nil || ev.Links["next"].Href == "" || ev.Sender == nil {
			w.res.Steps[len(w.res.Steps)-1].OK = false
			w.res.Steps[len(w.res.Steps)-1].Got = "no next link or sender array"
		}
	}
	call("delete the application", http.MethodDelete, self, "", http.StatusNoContent, "204")
}
