package supervisor

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkServedRoot is Autodiscover Root requests per second over
// keep-alive HTTPS on loopback, as bench/autodiscover.sh measures them
// with wrk: straight to a Front End's external web site, and the whole
// external path (client → reverse proxy → load balancer → Front End).
// The lab logs its one line per request as `mobplan serve` does (text,
// here to nowhere), so the figure includes that cost.
func BenchmarkServedRoot(b *testing.B) {
	root := applyExample(b, "contoso")
	rt := startLogged(b, root, slog.New(slog.NewTextHandler(io.Discard, nil)))
	info := rt.Info()
	roots := pool(b, info.CAs.Public, info.CAs.Internal)
	for _, c := range []struct {
		name, location, planned, host string
	}{
		{"frontend", "internal", "192.168.21.122:4443", "webext.contoso.com"},
		{"proxy-hlb-frontend", "external", "131.107.155.1:443", "lyncdiscover.contoso.com"},
	} {
		served, ok := info.Served(c.location, c.planned)
		if !ok {
			b.Fatalf("%s does not reach %s", c.location, c.planned)
		}
		// One client for every run of the benchmark function, so that
		// connections (and their handshakes) are made once, as wrk does.
		tr := &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: roots, ClientSessionCache: tls.NewLRUClientSessionCache(64)},
			MaxIdleConnsPerHost: 64,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, served)
			},
		}
		b.Cleanup(tr.CloseIdleConnections)
		hc := &http.Client{Transport: tr}
		b.Run(c.name, func(b *testing.B) {
			var failed atomic.Int64
			b.ReportAllocs()
			// 16 clients a processor, as wrk's 32 connections on two.
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest("GET", "https://"+c.host+"/", nil)
				req.Header.Set("Accept", "application/json")
				for pb.Next() {
					resp, err := hc.Do(req)
					if err != nil {
						failed.Add(1)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failed.Add(1)
					}
				}
			})
			if n := failed.Load(); n > 0 {
				b.Errorf("%d of %d requests failed", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
