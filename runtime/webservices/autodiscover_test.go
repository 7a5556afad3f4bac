package webservices

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

const (
	fe01     = "fe01.contoso.net"
	rootPath = "/Autodiscover/AutodiscoverService.svc/root"
)

func TestFromPlan(t *testing.T) {
	cfg, err := FromPlan(examplePlan(t, "contoso"), "FE01.contoso.net")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServerFQDN != fe01 || cfg.Pool != "pool01" || cfg.ADDomain != "contoso.net" || cfg.SIPDomains[0] != "contoso.com" {
		t.Errorf("%+v", cfg)
	}
	// The Access Edge of the primary SIP domain's external SRV records.
	if !reflect.DeepEqual(cfg.EdgeClient, &protocol.SipAccess{FQDN: "sip.contoso.com", Port: 443}) ||
		!reflect.DeepEqual(cfg.EdgeServer, &protocol.SipAccess{FQDN: "sip.contoso.com", Port: 5061}) {
		t.Errorf("edge %+v %+v", cfg.EdgeClient, cfg.EdgeServer)
	}
	// No Edge, no external SIP access.
	se, err := FromPlan(examplePlan(t, "standard-edition"), "se01.litware.local")
	if err != nil {
		t.Fatal(err)
	}
	if se.EdgeClient != nil || se.EdgeServer != nil || se.Pool != "se01" {
		t.Errorf("%+v", se)
	}
	if _, err := FromPlan(examplePlan(t, "contoso"), "edge01.contoso.net"); err == nil {
		t.Error("an Edge server got a Front End config")
	}
	if _, err := FromPlan(nil, fe01); err == nil {
		t.Error("no plan, no error")
	}
}

func TestNewValidates(t *testing.T) {
	l := newLab(t, "contoso")
	good := l.config(fe01, Internal, "https")
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Config){
		"no server":        func(c *Config) { c.ServerFQDN = "" },
		"no location":      func(c *Config) { c.Location = "" },
		"bad scheme":       func(c *Config) { c.Scheme = "ftp" },
		"no store":         func(c *Config) { c.Tokens = nil },
		"unknown pool":     func(c *Config) { c.Pool = "nope" },
		"no SIP domain":    func(c *Config) { c.SIPDomains = nil },
		"http online URL":  func(c *Config) { c.OnlineAutodiscoverURL = "http://webdir.online.lync.com/x" },
		"bad default":      func(c *Config) { c.DefaultRepresentation = 9 },
		"no web internal":  func(c *Config) { c.Directory.Pools = []plan.Pool{{Name: "pool01"}} },
		"everything wrong": func(c *Config) { *c = Config{} },
	} {
		cfg := good
		cfg.Directory.Pools = append(cfg.Directory.Pools[:0:0], good.Directory.Pools...)
		mutate(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Every representation of the Root, from the internal and the external
// site, over each request shape of §3.1.
func TestRoot(t *testing.T) {
	l := newLab(t, "contoso")
	for _, site := range []struct {
		loc  Location
		web  string
		want protocol.Location
	}{{Internal, "webint.contoso.net", protocol.LocationInternal}, {External, "webext.contoso.com", protocol.LocationExternal}} {
		h := l.handler(fe01, site.loc, "https")
		for _, tt := range []struct {
			name    string
			header  []string
			wantRep protocol.Representation
		}{
			{"vnd xml", []string{"Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"}, protocol.VndXML},
			{"vnd json", []string{"Accept", "application/vnd.microsoft.rtc.autodiscover+json;v=1"}, protocol.VndJSON},
			{"json", []string{"Accept", "application/json"}, protocol.UCWAJSON},
			{"content-type json", []string{"Accept", "*/*", "Content-Type", "application/json"}, protocol.UCWAJSON},
			{"xml", []string{"Accept", "application/xml"}, protocol.UCWAXML},
			{"nothing (SfB 2019 default)", nil, protocol.UCWAJSON},
		} {
			resp := do(h, http.MethodGet, "https://lyncdiscover.contoso.com/?sipuri=alice@contoso.com", hdr(tt.header...), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", site.loc, tt.name, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.wantRep.ContentType() {
				t.Errorf("%s %s: Content-Type %q, want %q", site.loc, tt.name, ct, tt.wantRep.ContentType())
			}
			d := decode(t, resp)
			q := "?originalDomain=contoso.com&sipuri=alice@contoso.com"
			wantLinks := map[string]string{
				protocol.TokenUser:  "https://" + site.web + rootPath + "/user" + q,
				protocol.TokenOAuth: "https://" + site.web + rootPath + "/oauth/user" + q,
			}
			switch tt.wantRep {
			case protocol.VndXML, protocol.VndJSON:
				wantLinks[protocol.TokenDomain] = "https://" + site.web + rootPath + "/domain" + q
				if d.AccessLocation != site.want {
					t.Errorf("%s %s: AccessLocation %q", site.loc, tt.name, d.AccessLocation)
				}
				if _, ok := d.Link(protocol.TokenSelf); ok {
					t.Errorf("%s %s: a vnd Root has no Self", site.loc, tt.name)
				}
			default:
				// _links.user is the OAuth user resource; no separate User link.
				delete(wantLinks, protocol.TokenUser)
				wantLinks[protocol.TokenSelf] = "https://" + site.web + rootPath + q
				wantLinks[protocol.TokenXFrame] = "https://" + site.web + "/Autodiscover/XFrame/XFrame.html"
			}
			for tok, href := range wantLinks {
				if got, _ := d.Link(tok); got != href {
					t.Errorf("%s %s: %s = %q, want %q", site.loc, tt.name, tok, got, href)
				}
			}
			if len(d.Links) != len(wantLinks) {
				t.Errorf("%s %s: links %+v", site.loc, tt.name, d.Links)
			}
		}
	}
}

func TestRootOriginalDomain(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	for target, want := range map[string]string{
		"https://LyncDiscoverInternal.Fabrikam.com/":                                         "?originalDomain=fabrikam.com",
		"https://lyncdiscover.contoso.com:443/":                                              "?originalDomain=contoso.com",
		"https://webint.contoso.net" + rootPath + "?originalDomain=fabrikam.com":             "?originalDomain=fabrikam.com",
		"https://webint.contoso.net" + rootPath + "?Domain=fabrikam.com":                     "?originalDomain=fabrikam.com",
		"https://webint.contoso.net" + rootPath:                                              "",
		"https://webint.contoso.net" + rootPath + "?SIPURI=sip:bob@fabrikam.com":             "?sipuri=bob@fabrikam.com",
		"https://lyncdiscover.fabrikam.com/?sipuri=bob%2Bx@fabrikam.com&originalDomain=x.io": "?originalDomain=x.io&sipuri=bob%2Bx@fabrikam.com",
	} {
		d := decode(t, do(h, http.MethodGet, target, hdr("Accept", "application/json"), nil))
		if got, _ := d.Link(protocol.TokenOAuth); got != "https://webint.contoso.net"+rootPath+"/oauth/user"+want {
			t.Errorf("%s: user link %q, want query %q", target, got, want)
		}
	}
}

// A plain-HTTP Root is a Redirect to the HTTPS root (MS-OCDISCWS), unless
// the switch serves it whole.
func TestHTTPRoot(t *testing.T) {
	l := newLab(t, "contoso")
	h := l.handler(fe01, External, "http")
	for _, accept := range []string{"application/vnd.microsoft.rtc.autodiscover+xml;v=1", "application/json", "application/vnd.microsoft.rtc.autodiscover+json;v=1", "application/xml"} {
		resp := do(h, http.MethodGet, "http://lyncdiscover.contoso.com/?sipuri=alice@contoso.com", hdr("Accept", accept), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d (never a 3xx)", accept, resp.StatusCode)
		}
		d := decode(t, resp)
		to, ok := d.Redirect()
		want := "https://webext.contoso.com" + rootPath + "?originalDomain=contoso.com&sipuri=alice@contoso.com"
		if !ok || to != want || len(d.Links) != 1 || d.Kind != protocol.KindRoot {
			t.Errorf("%s: %+v, want the single Redirect %s", accept, d, want)
		}
	}
	cfg := l.config(fe01, External, "http")
	cfg.HTTPServesRoot = true
	d := decode(t, do(l.handlerOf(cfg), http.MethodGet, "http://lyncdiscover.contoso.com/", hdr("Accept", "application/json"), nil))
	if u, _ := d.Link(protocol.TokenOAuth); u != "https://webext.contoso.com"+rootPath+"/oauth/user?originalDomain=contoso.com" {
		t.Errorf("full root over HTTP: %+v", d.Links)
	}
	// The user resource is never served over HTTP: it redirects too.
	d = decode(t, do(h, http.MethodGet, "http://webext.contoso.com"+rootPath+"/oauth/user", hdr("Accept", "application/json"), nil))
	if to, _ := d.Redirect(); to != "https://webext.contoso.com"+rootPath+"/oauth/user" {
		t.Errorf("user over HTTP: %+v", d)
	}
}

func TestOnlineRedirect(t *testing.T) {
	l := newLab(t, "contoso")
	cfg := l.config(fe01, External, "https")
	cfg.OnlineAutodiscoverURL = "https://webdir.online.lync.com/Autodiscover/AutodiscoverService.svc/root"
	h := l.handlerOf(cfg)
	for target, want := range map[string]string{
		"https://lyncdiscover.contoso.com/?sipuri=dave@contoso.com":        cfg.OnlineAutodiscoverURL + "?originalDomain=contoso.com",
		"https://webext.contoso.com" + rootPath + "?sipuri=x@tailspin.com": cfg.OnlineAutodiscoverURL + "?originalDomain=tailspin.com",
	} {
		d := decode(t, do(h, http.MethodGet, target, hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml"), nil))
		if to, ok := d.Redirect(); !ok || to != want {
			t.Errorf("%s: %+v, want redirect %s", target, d.Links, want)
		}
	}
	// A user of the directory stays here.
	d := decode(t, do(h, http.MethodGet, "https://lyncdiscover.contoso.com/?sipuri=alice@contoso.com", nil, nil))
	if _, ok := d.Redirect(); ok {
		t.Errorf("an on-premises user was sent online: %+v", d)
	}
	// Without an online URL nobody is.
	d = decode(t, do(newLab(t, "contoso").handler(fe01, External, "https"), http.MethodGet, "https://lyncdiscover.contoso.com/?sipuri=dave@contoso.com", nil, nil))
	if _, ok := d.Redirect(); ok {
		t.Errorf("redirected without an online URL: %+v", d)
	}
}

func TestDomain(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, External, "https")
	resp := do(h, http.MethodGet, "https://webext.contoso.com"+rootPath+"/domain?originalDomain=contoso.com", hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	d := decode(t, resp)
	if d.Kind != protocol.KindDomain || d.AccessLocation != protocol.LocationExternal {
		t.Errorf("%+v", d)
	}
	if h, _ := d.Link(protocol.TokenExternalAutodiscover); h != "https://webext.contoso.com"+rootPath+"?originalDomain=contoso.com" {
		t.Errorf("External/Autodiscover %q", h)
	}
	if a := d.ClientAccess(); a == nil || a.FQDN != "sip.contoso.com" || a.Port != 443 {
		t.Errorf("client access %+v", a)
	}
}

func TestXFrame(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	for _, p := range []string{"/Autodiscover/XFrame/XFrame.html", "/xframe", "/autodiscover/xframe/XFRAME.html"} {
		resp := do(h, http.MethodGet, "https://lyncdiscoverinternal.contoso.com"+p, nil, nil)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "postMessage") {
			t.Errorf("%s: %d %q", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// The links of the User document follow the product version: no Mcx on
// SfB 2019, Mcx on Lync 2013 and SfB 2015.
func TestUserDocumentLinks(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	d := h.userDocument(true, query{originalDomain: "contoso.com"})
	var tokens []string
	for _, l := range d.Links {
		tokens = append(tokens, l.Token)
	}
	want := []string{
		"External/Autodiscover", "Internal/Autodiscover", "External/AuthBroker", "Internal/AuthBroker",
		"External/WebScheduler", "Internal/WebScheduler", "External/Ucwa", "Internal/Ucwa", "Ucwa",
		"External/XFrame", "Internal/XFrame", "XFrame", "Self",
	}
	if !reflect.DeepEqual(tokens, want) {
		t.Errorf("tokens %q\nwant   %q", tokens, want)
	}
	for tok, href := range map[string]string{
		"Ucwa":                  "https://webext.contoso.com/ucwa/oauth/v1/applications", // mobiles go through the reverse proxy from inside too
		"External/Ucwa":         "https://webext.contoso.com/ucwa/oauth/v1/applications",
		"Internal/Autodiscover": "https://webint.contoso.net" + rootPath + "?originalDomain=contoso.com",
		"Self":                  "https://webint.contoso.net" + rootPath + "/oauth/user?originalDomain=contoso.com",
		"XFrame":                "https://webint.contoso.net/Autodiscover/XFrame/XFrame.html",
		"External/AuthBroker":   "https://webext.contoso.com/Reach/sip.svc",
	} {
		if got, _ := d.Link(tok); got != href {
			t.Errorf("%s = %q, want %q", tok, got, href)
		}
	}
	if !reflect.DeepEqual(d.SipClientInternalAccess, &protocol.SipAccess{FQDN: "pool01.contoso.net", Port: 5061}) ||
		!reflect.DeepEqual(d.SipClientExternalAccess, &protocol.SipAccess{FQDN: "sip.contoso.com", Port: 443}) ||
		!reflect.DeepEqual(d.SipServerExternalAccess, &protocol.SipAccess{FQDN: "sip.contoso.com", Port: 5061}) {
		t.Errorf("SIP access %+v %+v %+v", d.SipClientInternalAccess, d.SipClientExternalAccess, d.SipServerExternalAccess)
	}
	// Web-ticket flavour: the non-OAuth UCWA URL.
	if got, _ := h.userDocument(false, query{}).Link("Ucwa"); got != "https://webext.contoso.com/ucwa/v1/applications" {
		t.Errorf("web-ticket Ucwa %q", got)
	}
	// Lync 2013 (lyon) publishes MCX.
	lyon := newLab(t, "multisite").handler("lfe1.fabrikam.local", External, "https")
	ld := lyon.userDocument(true, query{})
	for _, tok := range []string{"External/Mcx", "Internal/Mcx"} {
		if got, _ := ld.Link(tok); !strings.HasSuffix(got, "/Mcx/McxService.svc") {
			t.Errorf("lyon %s = %q", tok, got)
		}
	}
	if got, _ := ld.Link("Ucwa"); got != "https://lyonext.fabrikam.com/ucwa/oauth/v1/applications" {
		t.Errorf("lyon external Ucwa %q", got)
	}
	if ld.AccessLocation != protocol.LocationExternal {
		t.Errorf("lyon AccessLocation %q", ld.AccessLocation)
	}
}

// A cached Root is the document an uncached handler encodes, per
// representation and query; a HEAD gets no body; the cache stops
// growing at its bound and later queries are still answered right.
func TestRootCache(t *testing.T) {
	l := newLab(t, "contoso")
	cached := l.handler(fe01, External, "https")
	for _, accept := range []string{"application/vnd.microsoft.rtc.autodiscover+xml;v=1", "application/json"} {
		for _, target := range []string{"/", "/?sipuri=alice@contoso.com", "/?sipuri=bob@fabrikam.com", rootPath + "?originalDomain=fabrikam.com"} {
			var bodies []string
			for range 3 {
				fresh := l.handler(fe01, External, "https")
				for _, h := range []*Handler{cached, fresh} {
					resp := do(h, "GET", "https://lyncdiscover.contoso.com"+target, hdr("Accept", accept), nil)
					if resp.StatusCode != 200 || resp.Header.Get("X-MS-Server-Fqdn") == "" {
						t.Fatalf("%s %s: %d %v", accept, target, resp.StatusCode, resp.Header)
					}
					bodies = append(bodies, string(readBody(t, resp)))
				}
			}
			for _, b := range bodies[1:] {
				if b != bodies[0] {
					t.Errorf("%s %s: the cached Root differs:\n%s\n%s", accept, target, bodies[0], b)
				}
			}
			if strings.Contains(target, "sipuri=") && !strings.Contains(bodies[0], target[strings.Index(target, "sipuri="):]) {
				t.Errorf("%s %s: the links lack the query: %s", accept, target, bodies[0])
			}
			resp := do(cached, "HEAD", "https://lyncdiscover.contoso.com"+target, hdr("Accept", accept), nil)
			if b := readBody(t, resp); resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(bodies[0])) {
				t.Errorf("HEAD %s %s: %d, %d bytes, Content-Length %s", accept, target, resp.StatusCode, len(b), resp.Header.Get("Content-Length"))
			}
		}
	}
	h := l.handler(fe01, External, "https")
	for i := range maxCachedDocs + 10 {
		target := fmt.Sprintf("https://lyncdiscover.contoso.com/?sipuri=user%d@contoso.com", i)
		resp := do(h, "GET", target, hdr("Accept", "application/json"), nil)
		if b := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(string(b), fmt.Sprintf("sipuri=user%d@contoso.com", i)) {
			t.Fatalf("query %d: %d %s", i, resp.StatusCode, b)
		}
	}
	if n := h.roots.n.Load(); n != maxCachedDocs {
		t.Errorf("the cache holds %d documents, want its bound %d", n, maxCachedDocs)
	}
}
