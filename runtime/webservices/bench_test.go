package webservices

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// discard is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkRoot is Root requests per second in-process, one per Accept of
// the two families, on one goroutine and on all.
func BenchmarkRoot(b *testing.B) {
	h := newLab(b, "contoso").handler(fe01, External, "https")
	for _, accept := range []string{"application/vnd.microsoft.rtc.autodiscover+xml;v=1", "application/json"} {
		r := httptest.NewRequest(http.MethodGet, "https://lyncdiscover.contoso.com/?sipuri=alice@contoso.com", nil)
		r.Header.Set("Accept", accept)
		b.Run(accept, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		b.Run(accept+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discard{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					h.ServeHTTP(w, r)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
