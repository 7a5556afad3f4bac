package webservices

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// documented are the statuses the web services answer (see the package
// documentation).
var documented = map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true, 413: true, 414: true, 431: true, 500: true, 503: true}

var (
	fuzzOnce     sync.Once
	fuzzHandlers []*Handler
)

// fuzzLab is contoso's fe01 on its four listeners, built once per process.
func fuzzLab(t testing.TB) []*Handler {
	fuzzOnce.Do(func() {
		l := newLab(t, "contoso")
		for _, loc := range []Location{Internal, External} {
			for _, scheme := range []string{"https", "http"} {
				fuzzHandlers = append(fuzzHandlers, l.handler(fe01, loc, scheme))
			}
		}
	})
	return fuzzHandlers
}

// parseHeaders reads "Name: value" lines.
func parseHeaders(s string) http.Header {
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(s + "\r\n\r\n")))
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return http.Header{}
	}
	return http.Header(h)
}

// check runs one request and holds the response to the contract: no
// panic, a documented status, X-MS-Server-Fqdn always, a 500 only as a
// SOAP fault of the web-ticket service.
func check(t *testing.T, h *Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if !documented[w.Code] {
		t.Fatalf("%s %s: undocumented status %d: %s", r.Method, r.URL, w.Code, w.Body.Bytes())
	}
	if w.Header().Get("X-MS-Server-Fqdn") != fe01 {
		t.Fatalf("%s %s: %d without X-MS-Server-Fqdn", r.Method, r.URL, w.Code)
	}
	if w.Code == 500 {
		if _, ok := protocol.ParseFault(w.Body.Bytes()); !ok {
			t.Fatalf("%s %s: 500 that is no SOAP fault: %s", r.Method, r.URL, w.Body.Bytes())
		}
	}
	if r.Method == http.MethodHead && w.Body.Len() != 0 {
		t.Fatalf("HEAD %s: a body", r.URL)
	}
	return w
}

// FuzzAutodiscover sends arbitrary requests (method, target, header lines,
// body) to every listener of a Front End.
func FuzzAutodiscover(f *testing.F) {
	basic := "Authorization: Basic Q09OVE9TT1xhbGljZTpQYXNzdzByZCE="
	rst := string(protocol.EncodeIssueRequest(protocol.IssueRequest{HasUsernameToken: true, Username: "alice@contoso.com", Password: labPassword}))
	for _, s := range []struct{ method, target, headers, body string }{
		{"GET", "/?sipuri=alice@contoso.com", "Host: lyncdiscover.contoso.com\nAccept: application/vnd.microsoft.rtc.autodiscover+xml;v=1", ""},
		{"GET", rootPath, "Accept: application/json", ""},
		{"HEAD", "//Autodiscover//AutodiscoverService.svc/ROOT/", "Content-Type: application/json", ""},
		{"GET", rootPath + "/oauth/user?sipuri=carol@contoso.com", "Authorization: Bearer cwt=x", ""},
		{"GET", rootPath + "/user", "X-MS-WebTicket: opaque=PHNhbWw6QXNzZXJ0aW9uIEFzc2VydGlvbklEPSJfeCIvPg==\n" + basic, ""},
		{"GET", rootPath + "/domain?originalDomain=contoso.com", "Accept: application/xml", ""},
		{"GET", "/Autodiscover/XFrame/XFrame.html", "", ""},
		{"POST", "/WebTicket/oauthtoken", "Content-Type: application/x-www-form-urlencoded", "grant_type=password&username=alice@contoso.com&password=Passw0rd!"},
		{"GET", "/WebTicket/WebTicketService.svc/mex", "", ""},
		{"POST", "/WebTicket/WebTicketService.svc", basic, rst},
		{"POST", "/WebTicket/WebTicketService.svc/Auth", "Content-Type: text/xml", rst},
		{"POST", "/Mcx/McxService.svc", "X-MS-WebTicket: opaque=x\nContent-Type: text/xml", "<s:Envelope/>"},
		{"DELETE", "/", "", ""},
		{"GET", "/?sipuri=%zz", "", ""},
	} {
		f.Add(s.method, s.target, s.headers, []byte(s.body), uint8(0))
	}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, listener uint8) {
		hs := fuzzLab(t)
		h := hs[int(listener)%len(hs)]
		u, err := url.ParseRequestURI(target)
		if err != nil || method == "" {
			return
		}
		header := parseHeaders(headers)
		r := &http.Request{Method: method, URL: u, Header: header, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Host: header.Get("Host"), Body: io.NopCloser(bytes.NewReader(body)), RequestURI: target}
		if r.Host == "" {
			r.Host = "webint.contoso.net"
		}
		check(t, h, r)
	})
}

// FuzzToken posts arbitrary bodies to the token endpoint.
func FuzzToken(f *testing.F) {
	f.Add("application/x-www-form-urlencoded;charset=UTF-8", []byte("grant_type=password&username=alice@contoso.com&password=Passw0rd!"))
	f.Add("application/x-www-form-urlencoded", []byte("grant_type=urn:microsoft.rtc:windows"))
	f.Add("multipart/form-data; boundary=xx", []byte("--xx\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\npassword\r\n--xx--\r\n"))
	f.Add("", []byte("grant_type=password&username=CONTOSO%5Calice&password=Passw0rd!"))
	f.Add("text/plain", []byte("x"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		h := fuzzLab(t)[0]
		r := httptest.NewRequest(http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		w := check(t, h, r)
		switch w.Code {
		case 200:
			if _, err := protocol.DecodeTokenResponse(w.Body.Bytes()); err != nil {
				t.Fatalf("200 without a token: %v", err)
			}
		case 400, 503:
			if _, err := protocol.DecodeTokenError(w.Body.Bytes()); err != nil {
				t.Fatalf("%d without an error body: %v", w.Code, err)
			}
		default:
			t.Fatalf("token endpoint answered %d", w.Code)
		}
		if w.Header().Get("X-Ms-diagnostics") == "" && w.Code != 200 {
			t.Fatalf("%d without X-Ms-diagnostics", w.Code)
		}
	})
}

// TestIsRootPath: the fast path's test of a Root path is cleanPath's.
func TestIsRootPath(t *testing.T) {
	for _, p := range []string{"", "/", "//", "///", "/x", "x", "/Autodiscover/AutodiscoverService.svc/root", "//autodiscover//AUTODISCOVERSERVICE.SVC/ROOT/",
		"autodiscover/autodiscoverservice.svc/root", "/autodiscover/autodiscoverservice.svc/root/user", "/autodiscover/autodiscoverservice.svc/roo",
		"/autodiscover/autodiscoverservice.svc/root//", "/autodiscover/autodiscoverservice.svc/rootx", "/autodiscover/autodiscoverservice.svc/root/ "} {
		c := cleanPath(p)
		if want := c == "/" || c == pathRoot; isRootPath(p) != want {
			t.Errorf("isRootPath(%q) = %v, cleanPath gives %q", p, !want, c)
		}
	}
}

func FuzzIsRootPath(f *testing.F) {
	f.Add("/Autodiscover/AutodiscoverService.svc/root/")
	f.Fuzz(func(t *testing.T, p string) {
		c := cleanPath(p)
		if want := c == "/" || c == pathRoot; isRootPath(p) != want {
			t.Errorf("isRootPath(%q) = %v, cleanPath gives %q", p, !want, c)
		}
	})
}
