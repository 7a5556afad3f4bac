package webservices

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Clients send "//" prefixes, odd case and trailing slashes.
func TestPathsTolerated(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	for _, p := range []string{
		"//Autodiscover/AutodiscoverService.svc/root",
		"/autodiscover//autodiscoverservice.svc///ROOT/",
		"/AUTODISCOVER/AUTODISCOVERSERVICE.SVC/ROOT?sipuri=alice@contoso.com",
		"//",
	} {
		resp := do(h, http.MethodGet, "https://lyncdiscoverinternal.contoso.com"+p, hdr("Accept", "application/json"), nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
			continue
		}
		if _, ok := decode(t, resp).Link(protocol.TokenOAuth); !ok {
			t.Errorf("%s: no user link", p)
		}
	}
	for _, p := range []string{"//Autodiscover//AutodiscoverService.svc/root//oauth/user", "/autodiscover/autodiscoverservice.svc/root/OAUTH/USER/"} {
		if resp := do(h, http.MethodGet, "https://webint.contoso.net"+p, nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if resp := do(h, http.MethodPost, "https://webint.contoso.net//WebTicket//OAuthToken", hdr("Content-Type", "application/x-www-form-urlencoded"),
		strings.NewReader("grant_type=password&username=alice@contoso.com&password="+labPassword)); resp.StatusCode != http.StatusOK {
		t.Errorf("token with // path: %d", resp.StatusCode)
	}
}

// HEAD wherever GET: the same status and headers, no body.
func TestHEAD(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	for _, p := range []string{"/", rootPath, rootPath + "/domain", rootPath + "/user", rootPath + "/oauth/user", "/Autodiscover/XFrame/XFrame.html", "/WebTicket/WebTicketService.svc/mex", "/nope"} {
		get := do(h, http.MethodGet, "https://webint.contoso.net"+p, hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"), nil)
		getBody := readBody(t, get)
		head := do(h, http.MethodHead, "https://webint.contoso.net"+p, hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"), nil)
		headBody := readBody(t, head)
		if head.StatusCode != get.StatusCode || len(headBody) != 0 {
			t.Errorf("%s: HEAD %d with %d bytes, GET %d", p, head.StatusCode, len(headBody), get.StatusCode)
		}
		if head.Header.Get("Content-Length") != strconv.Itoa(len(getBody)) {
			t.Errorf("%s: HEAD Content-Length %q, GET body %d", p, head.Header.Get("Content-Length"), len(getBody))
		}
		for _, k := range []string{"Content-Type", "WWW-Authenticate", "X-MS-WebTicketURL", "X-MS-Server-Fqdn"} {
			if head.Header.Get(k) != get.Header.Get(k) {
				t.Errorf("%s: %s differs: %q / %q", p, k, head.Header.Get(k), get.Header.Get(k))
			}
		}
	}
}

// X-MS-Server-Fqdn and the no-cache headers on every response, whatever
// its status.
func TestHeadersEverywhere(t *testing.T) {
	l := newLab(t, "contoso")
	h := l.handler(fe01, External, "https")
	tok := token(t, h, "carol@contoso.com", labPassword)
	long := "https://webext.contoso.com/?x=" + strings.Repeat("a", MaxURLBytes)
	big := http.Header{}
	for i := range 40 {
		big.Set("X-Big-"+strconv.Itoa(i), strings.Repeat("b", 1000))
	}
	tests := []struct {
		method, target string
		header         http.Header
		body           string
		status         int
	}{
		{"GET", "https://lyncdiscover.contoso.com/", nil, "", 200},
		{"GET", "https://webext.contoso.com" + rootPath + "?sipuri=bad", nil, "", 400},
		{"GET", "https://webext.contoso.com" + rootPath + "/oauth/user", nil, "", 401},
		{"GET", "https://webext.contoso.com" + rootPath + "/user", nil, "", 401},
		{"GET", "https://webext.contoso.com" + rootPath + "/oauth/user", hdr("Authorization", "Bearer "+tok), "", 403},
		{"GET", "https://webext.contoso.com/ucwa/oauth/v1/applications", nil, "", 404},
		{"DELETE", "https://webext.contoso.com" + rootPath, nil, "", 405},
		{"POST", "https://webext.contoso.com/WebTicket/oauthtoken", hdr("Content-Type", "application/x-www-form-urlencoded"), "grant_type=x", 400},
		{"POST", "https://webext.contoso.com/WebTicket/WebTicketService.svc/Auth", nil, string(protocol.EncodeIssueRequest(protocol.IssueRequest{})), 500},
		{"GET", long, nil, "", 414},
		{"GET", "https://webext.contoso.com/", big, "", 431},
	}
	for _, tt := range tests {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		resp := do(h, tt.method, tt.target, tt.header, body)
		name := tt.method + " " + tt.target
		if len(name) > 80 {
			name = name[:80]
		}
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", name, resp.StatusCode, tt.status)
		}
		want := map[string]string{"X-MS-Server-Fqdn": fe01, "Pragma": "no-cache", "Expires": "-1", "X-Content-Type-Options": "nosniff"}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got, v)
			}
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" && cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", name, cc)
		}
		if tt.status >= 400 && tt.status != 404 && tt.status != 401 && resp.Header.Get("X-Ms-diagnostics") == "" && tt.status != 405 {
			t.Errorf("%s: no X-Ms-diagnostics on %d", name, tt.status)
		}
	}
}

func TestMalformed(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	for _, q := range []string{"?sipuri=%zz", "?sipuri=alice", "?sipuri=a@b@c", "?sipuri=<x>@contoso.com", "?originalDomain=a..b", "?originalDomain=-x.com", "?Domain=a_b.com", "?sipuri=a@" + strings.Repeat("x", 300)} {
		for _, p := range []string{"/", rootPath + "/domain", rootPath + "/oauth/user"} {
			resp := do(h, http.MethodGet, "https://webint.contoso.net"+p+q, hdr("Accept", "application/json"), nil)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s%s: %d", p, q, resp.StatusCode)
				continue
			}
			if e := ucwaError(t, body); e.Code != protocol.CodeBadRequest {
				t.Errorf("%s%s: %+v", p, q, e)
			}
		}
	}
	// The error body follows the negotiated representation.
	resp := do(h, http.MethodGet, "https://webint.contoso.net/?sipuri=x", hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml"), nil)
	if resp.Header.Get("Content-Type") != "application/xml" {
		t.Errorf("vnd XML client error type %q", resp.Header.Get("Content-Type"))
	}
	// Methods.
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodOptions, "PROPFIND"} {
		resp := do(h, m, "https://webint.contoso.net/", nil, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d %q", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// One log line per request, with the location, host, path, status and
// duration.
func TestLog(t *testing.T) {
	l := newLab(t, "contoso")
	cfg := l.config(fe01, External, "https")
	var buf bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	h := l.handlerOf(cfg)
	do(h, http.MethodGet, "https://lyncdiscover.contoso.com/", nil, nil)
	do(h, http.MethodGet, "https://webext.contoso.com/nope", nil, nil)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	for i, want := range []string{"location=external host=lyncdiscover.contoso.com method=GET path=/ status=200 duration=",
		"location=external host=webext.contoso.com method=GET path=/nope status=404 duration="} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %q lacks %q", lines[i], want)
		}
	}
}

// Through a real server on loopback: HEAD carries no body on the wire,
// "//" paths reach the handler unredirected, Keep-Alive works.
func TestOverLoopback(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, MaxHeaderBytes: MaxHeaderBytes}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "http://" + ln.Addr().String()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, base+"//Autodiscover//AutodiscoverService.svc/root", nil)
		req.Host = "lyncdiscoverinternal.contoso.com"
		req.Header.Set("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
			t.Errorf("%s: %d", method, resp.StatusCode)
		}
		if method == http.MethodHead && len(body) != 0 {
			t.Errorf("HEAD body on the wire: %q", body)
		}
		if method == http.MethodGet && !bytes.Contains(body, []byte(`<Link token="OAuth" href="https://webint.contoso.net/Autodiscover/AutodiscoverService.svc/root/oauth/user?originalDomain=contoso.com"/>`)) {
			t.Errorf("GET body %s", body)
		}
	}
}

func TestNilURL(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, &http.Request{Method: http.MethodGet, Header: http.Header{}})
	if w.Code != http.StatusBadRequest || w.Header().Get("X-MS-Server-Fqdn") != fe01 {
		t.Errorf("%d %v", w.Code, w.Header())
	}
}
