package hlb

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// HealthInterval is how often the lab checks each back end's monitor
// port (HAProxy's default "inter" is 2 s; the lab is quicker).
const HealthInterval = time.Second

// Fall is how many failed checks in a row take a back end out (HAProxy's
// default is 3): one slow connection on a busy machine does not. One
// good check brings it back.
const Fall = 2

// Monitor checks the back ends' monitor ports (HLB-002, HLB-003: the SIP
// TLS port) on an interval, as a load balancer's TCP health monitor
// does. A check is a TCP connection, as HAProxy's "check port" is: a
// Front End instance stopped on the admin endpoint refuses it. A
// connection the server closes at once also counts as down (a port held
// by something that no longer serves). A back end is up until Fall
// checks in a row say otherwise.
type Monitor struct {
	dial     Dialer
	interval time.Duration
	log      *slog.Logger
	mu       sync.Mutex
	targets  map[string]*target
}

type target struct {
	ip    string
	port  int
	up    bool
	fails int
}

// NewMonitor returns a monitor that reaches the monitor ports with dial
// and checks every interval (HealthInterval if 0) once Run.
func NewMonitor(dial Dialer, interval time.Duration, log *slog.Logger) *Monitor {
	if interval <= 0 {
		interval = HealthInterval
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{dial: dial, interval: interval, log: log, targets: map[string]*target{}}
}

func targetKey(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }

// Watch adds a monitor port to the checks.
func (m *Monitor) Watch(ip string, port int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := targetKey(ip, port)
	if m.targets[k] == nil {
		m.targets[k] = &target{ip: ip, port: port, up: true}
	}
}

// Up reports whether the last check of ip:port found it up.
func (m *Monitor) Up(ip string, port int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.targets[targetKey(ip, port)]
	return t == nil || t.up
}

// Run checks every watched port each interval until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	tick := time.NewTicker(m.interval)
	defer tick.Stop()
	for {
		m.CheckAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Settle checks every watched port Fall times in a row, so that a change
// made just before shows when it returns.
func (m *Monitor) Settle(ctx context.Context) {
	for i := 0; i < Fall && ctx.Err() == nil; i++ {
		m.CheckAll(ctx)
	}
}

// CheckAll checks every watched port once, side by side.
func (m *Monitor) CheckAll(ctx context.Context) {
	m.mu.Lock()
	ts := make([]*target, 0, len(m.targets))
	for _, t := range m.targets {
		ts = append(ts, t)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			up, why := m.check(ctx, t.ip, t.port)
			if ctx.Err() != nil {
				return
			}
			m.mu.Lock()
			was := t.up
			if up {
				t.fails = 0
			} else {
				t.fails++
			}
			t.up = t.fails < Fall
			changed := t.up != was
			m.mu.Unlock()
			if changed {
				m.log.Info("load balancer health check", "backend", targetKey(t.ip, t.port), "up", !was, "why", why)
			}
		}()
	}
	wg.Wait()
}

// check connects, then waits a moment: a server that is up waits for the
// client to speak (the SIP TLS port waits for a ClientHello); one that is
// stopped closes the connection at once.
func (m *Monitor) check(ctx context.Context, ip string, port int) (bool, string) {
	dctx, cancel := context.WithTimeout(ctx, m.interval)
	defer cancel()
	c, err := m.dial(dctx, ip, port)
	if err != nil {
		return false, err.Error()
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return true, "connected"
	}
	return false, "closed at once: " + err.Error()
}
