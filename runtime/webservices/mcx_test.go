package webservices

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// MCX answers where the product version has it (Lync 2013 in Lyon, SfB
// 2015 in Paris) and is unknown on SfB 2019 (contoso): unauthenticated,
// the web-ticket sign-in challenge; refused credentials, the challenge
// with X-Ms-diagnostics; over plain HTTP, 403; past sign-in, a SOAP fault
// saying the lab does not speak MCX; a user without mobility, 403.
func TestMcx(t *testing.T) {
	ms := newLab(t, "multisite")
	for server, user := range map[string]string{"lfe1.fabrikam.local": "lea@fabrikam.com", "fe1.fabrikam.local": "marc@fabrikam.com"} {
		h := ms.handler(server, External, "https")
		link, ok := h.userDocument(true, query{}).Link("External/Mcx")
		if !ok || !strings.HasSuffix(link, "/Mcx/McxService.svc") {
			t.Fatalf("%s: External/Mcx %q", server, link)
		}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodHead} {
			resp := do(h, m, link, hdr("Content-Type", "text/xml"), strings.NewReader("<s:Envelope/>"))
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get(protocol.WebTicketURLHeader) != h.webTicketURL() ||
				resp.Header.Get("WWW-Authenticate") != "" || resp.Header.Get("X-Ms-Server-Fqdn") != server {
				t.Errorf("%s %s without a credential: %d %v %s", server, m, resp.StatusCode, resp.Header, body)
			}
		}
		// Case-insensitive and "//"-tolerant, as every path.
		if resp := do(h, http.MethodGet, "https://x//mcx/MCXSERVICE.svc/", nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: folded path %d", server, resp.StatusCode)
		}
		resp := do(h, http.MethodPost, link, hdr(protocol.WebTicketHeader, "opaque=bm90IGEgdGlja2V0"), nil)
		d, err := protocol.ParseDiagnostics(resp.Header.Get("X-Ms-diagnostics"))
		if resp.StatusCode != http.StatusUnauthorized || err != nil || d.ID != protocol.DiagWebTicketInvalid {
			t.Errorf("%s: a bad ticket: %d %+v %v", server, resp.StatusCode, d, err)
		}
		tok := token(t, h, user, labPassword)
		resp = do(h, http.MethodPost, link, hdr("Authorization", "Bearer "+tok, "Content-Type", "text/xml"), strings.NewReader("<s:Envelope/>"))
		body := readBody(t, resp)
		d, err = protocol.ParseDiagnostics(resp.Header.Get("X-Ms-diagnostics"))
		if resp.StatusCode != http.StatusNotImplemented || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") ||
			!strings.Contains(string(body), "does not implement its protocol") || err != nil || d.ID != diagLabNotImplemented {
			t.Errorf("%s signed in: %d %s %+v", server, resp.StatusCode, body, d)
		}
		if resp := do(h, http.MethodDelete, link, nil, nil); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("%s DELETE: %d %q", server, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if resp := do(ms.handler(server, External, "http"), http.MethodGet, link, nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s over HTTP: %d", server, resp.StatusCode)
		}
	}

	// SfB 2019: no */Mcx links, and the path is unknown.
	l := newLab(t, "contoso")
	h := l.handler(fe01, External, "https")
	if got, ok := h.userDocument(true, query{}).Link("External/Mcx"); ok {
		t.Errorf("SfB 2019 links MCX: %q", got)
	}
	tok := token(t, h, "alice@contoso.com", labPassword)
	for _, hd := range []http.Header{nil, hdr("Authorization", "Bearer "+tok)} {
		resp := do(h, http.MethodGet, "https://webext.contoso.com/Mcx/McxService.svc", hd, nil)
		if body := readBody(t, resp); resp.StatusCode != http.StatusNotFound || len(body) != 0 {
			t.Errorf("SfB 2019 MCX: %d %q", resp.StatusCode, body)
		}
	}
	// A user whose policy has EnableMobility = False is refused.
	tok = token(t, h, "carol@contoso.com", labPassword)
	h.pool.MCX = true
	resp := do(h, http.MethodGet, "https://webext.contoso.com/Mcx/McxService.svc", hdr("Authorization", "Bearer "+tok), nil)
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "NoMobility") {
		t.Errorf("carol: %d %s", resp.StatusCode, body)
	}
}
