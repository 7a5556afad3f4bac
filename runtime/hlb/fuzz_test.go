package hlb

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// Whatever a client sends to a plain HTTP port of a cookie VIP, the load
// balancer answers with an HTTP response or closes the connection, and
// never panics.
func FuzzHTTPPort(f *testing.F) {
	l := newMonitored(f)
	for i, name := range []string{"fe01", "fe02", "fe03"} {
		l.set(fmt.Sprintf("192.168.21.%d:8080", 122+i), web(f, name))
	}
	v := pool3()
	v.Persistence, v.CookieName = "cookie", "MS-WSMAN"
	v.Ports = []plan.PortPair{{Front: 80, Back: 8080}}
	// http.Server recovers a handler's panic and logs it: watch the log.
	logs := &syncBuffer{}
	lb, err := New(v, 80, l.dial, l.m, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		f.Fatal(err)
	}
	addr := serve(f, lb)
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: webext.contoso.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nCookie: MS-WSMAN=fe02\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nCookie: MS-WSMAN=\"fe02\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nCookie: ;;MS-WSMAN=fe09;MS-WSMAN=fe01\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
		"GET / HTTP/1.0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(in)
		c.(*net.TCPConn).CloseWrite()
		out, _ := io.ReadAll(c)
		if len(out) > 0 && !strings.HasPrefix(string(out), "HTTP/1.") {
			t.Fatalf("answer %q", out)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Fatalf("%q: %s", in, logs.String())
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		s.b.Reset()
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
