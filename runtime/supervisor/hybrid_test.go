package supervisor

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// multisite is hybrid: external Autodiscover sends a fabrikam.com user
// the directory does not hold to the hosting provider's Autodiscover URL
// from the plan (an in-band Redirect, never an HTTP 3xx), and answers a
// user it holds itself.
func TestHybridUserSentOnline(t *testing.T) {
	root := applyExample(t, "multisite")
	rt := start(t, root)
	info := rt.Info()
	const name = "lyncdiscover.fabrikam.com"
	ip := resolve(t, info, "external", name)
	hc := client(info, "external", pool(t, info.CAs.Public, info.CAs.Internal))
	hc.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		served, ok := info.Served("external", net.JoinHostPort(ip, port))
		if !ok {
			t.Fatalf("external cannot reach %s:%s", ip, port)
		}
		return (&net.Dialer{}).DialContext(ctx, network, served)
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(sip string) (int, string) {
		req, _ := http.NewRequest("GET", "https://"+name+"/?sipuri="+sip, nil)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s for %s: %v", name, sip, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const online = "https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root"
	code, body := get("nobody@fabrikam.com")
	if code != 200 || !strings.Contains(body, online) || !strings.Contains(body, "originalDomain=fabrikam.com") {
		t.Errorf("a user online: %d %s; want a Redirect to %s", code, body, online)
	}
	code, body = get("marc@fabrikam.com")
	if code != 200 || strings.Contains(body, "online.lync.com") || !strings.Contains(body, `"_links"`) {
		t.Errorf("a user on premises: %d %s; want the Root document here", code, body)
	}
}
