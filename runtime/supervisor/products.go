package supervisor

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/generated"
	"github.com/mobplan/mobplan/runtime/labca"
)

// What serves the reverse proxies and the load balancer VIPs: the lab's
// own (runtime/proxy, runtime/hlb), or the generated configuration run
// by its product (runtime/generated).
const (
	Builtin = "builtin"
	Nginx   = "nginx"
	HAProxy = "haproxy"
)

// product is one generated configuration run by its product for a set
// of the supervisor's endpoints: a reverse proxy's listeners, or every
// load balancer VIP.
type product struct {
	kind string // Nginx or HAProxy
	// serves is the slot kind handed over: reverse-proxy or vip.
	serves string
	// file is the configuration as applied (artifacts-relative); what
	// its listeners are named by: the proxy name, or "" for the VIPs.
	file, proxy string
	dir         string // its state folder
	listeners   []*bound
	files       []*os.File // the listeners' sockets, the child's fd 3...
	cmd         *generated.Command
	mu          sync.Mutex
	child       *generated.Child
	version     int // of the rendered folder (nginx's TLS files)
	// next is the command of the file a reload checked.
	next *generated.Command
}

// served is where a listener is served; before binding (a dry
// rendering), its planned address.
func served(b *bound) string {
	if b.ln == nil {
		return b.slot.Planned
	}
	return b.addr()
}

// current is the running child, nil before the start and after the end.
func (p *product) current() *generated.Child {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.child
}

// flag is the serve flag that chose the product, for errors.
func (p *product) flag() string {
	if p.serves == "vip" {
		return "--hlb " + p.kind
	}
	return "--proxy " + p.kind
}

// checkProducts refuses an unknown choice before anything is read.
func checkProducts(o Options) error {
	if !generated.Supported && (o.Proxy == Nginx || o.Proxy == HAProxy || o.HLB == HAProxy) {
		return fmt.Errorf("--proxy %s / --hlb %s: running a generated configuration hands listening sockets to the product, which needs a Unix system", o.Proxy, o.HLB)
	}
	switch o.Proxy {
	case "", Builtin, Nginx, HAProxy:
	default:
		return fmt.Errorf("--proxy %q: want builtin, nginx or haproxy", o.Proxy)
	}
	switch o.HLB {
	case "", Builtin, HAProxy:
	default:
		return fmt.Errorf("--hlb %q: want builtin or haproxy", o.HLB)
	}
	return nil
}

// handedOver tells whether a slot is served by a product rather than
// the supervisor.
func (r *Runtime) handedOver(serves string) bool {
	switch serves {
	case "reverse-proxy":
		return r.o.Proxy == Nginx || r.o.Proxy == HAProxy
	case "vip":
		return r.o.HLB == HAProxy
	}
	return false
}

// planProducts finds, for the endpoints, the products that serve them
// and the applied files they run. Before binding, bs hold the slots only
// (no listener), for a dry rendering.
func (r *Runtime) planProducts(bs []*bound) ([]*product, error) {
	g := r.gen.Load()
	var out []*product
	if r.o.Proxy == Nginx || r.o.Proxy == HAProxy {
		base := map[string]string{Nginx: "nginx.conf", HAProxy: "haproxy.cfg"}[r.o.Proxy]
		rps := g.bundle.Plan.ReverseProxies
		for _, rp := range rps {
			file := path.Join("proxy", base)
			if len(rps) > 1 {
				// As generators/proxy: one folder per proxy.
				file = path.Join("proxy", rp.Name, base)
			}
			p := &product{kind: r.o.Proxy, serves: "reverse-proxy", file: file, proxy: rp.Name}
			planned := map[string]bool{}
			for _, l := range rp.Listeners {
				planned[net.JoinHostPort(l.IP, strconv.Itoa(l.Port))] = true
			}
			for _, b := range bs {
				if b.slot.Serves == "reverse-proxy" && planned[b.slot.Planned] {
					p.listeners = append(p.listeners, b)
				}
			}
			if len(p.listeners) > 0 {
				out = append(out, p)
			}
		}
	}
	if r.o.HLB == HAProxy {
		p := &product{kind: HAProxy, serves: "vip", file: "hlb/haproxy.cfg"}
		for _, b := range bs {
			if b.slot.Serves == "vip" {
				p.listeners = append(p.listeners, b)
			}
		}
		if len(p.listeners) > 0 {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	base, err := filepath.Abs(filepath.Join(r.o.RuntimeDir, "generated"))
	if err != nil {
		return nil, err
	}
	for _, p := range out {
		p.dir = filepath.Join(base, filepath.FromSlash(strings.TrimSuffix(p.file, path.Ext(p.file))))
	}
	return out, nil
}

// setUpProducts makes the products' state folders and hands them their
// sockets.
func setUpProducts(out []*product) error {
	for _, p := range out {
		if err := p.setUp(); err != nil {
			for _, q := range out {
				for _, f := range q.files {
					f.Close()
				}
			}
			return err
		}
	}
	return nil
}

// setUp makes p's state folder afresh and duplicates its sockets for
// the child.
func (p *product) setUp() error {
	// What an earlier serve left is stale.
	if err := os.RemoveAll(p.dir); err != nil {
		return fmt.Errorf("%s: %w", p.dir, err)
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	if p.kind == Nginx {
		// nginx makes its temp folders, not their parent.
		if err := os.Mkdir(filepath.Join(p.dir, "temp"), 0o700); err != nil {
			return err
		}
	}
	for _, b := range p.listeners {
		tl, ok := b.ln.(*net.TCPListener)
		if !ok {
			return fmt.Errorf("%s: not a TCP listener", b.slot.Name)
		}
		// A duplicate of the socket: the supervisor keeps its own, so
		// the port outlives the child's restarts.
		f, err := tl.File()
		if err != nil {
			return fmt.Errorf("handing %s to %s: %w", b.slot.Name, p.kind, err)
		}
		h, err := generated.HandOver(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("handing %s to %s: %w", b.slot.Name, p.kind, err)
		}
		p.files = append(p.files, h)
	}
	return nil
}

// render writes p's configuration for generation g and checks it with
// the product; it is the whole of what a start or a reload needs before
// the child runs it. Both products re-read one path on a reload signal,
// so a reload's file is written beside the running one (.next) and
// renamed over it once the generation is in. nginx's TLS files, named
// by absolute paths, get a folder per rendering; HAProxy's are read from
// tls/ beside its file, replaced in place (the running process loaded
// its own at start).
func (r *Runtime) render(p *product, g *generation, mode renderMode) (*generated.Command, error) {
	data, ok := g.bundle.Files[p.file]
	if !ok {
		return nil, fmt.Errorf("%s: the artifacts have no %s (run 'mobplan apply')", p.flag(), p.file)
	}
	bin, err := lookPath(p.kind)
	if err != nil {
		return nil, fmt.Errorf("%s: %s is not installed: %w", p.flag(), p.kind, err)
	}
	vdir := filepath.Join(p.dir, "v0")
	if mode != dryRun && p.kind == Nginx {
		p.version++
		vdir = filepath.Join(p.dir, fmt.Sprintf("v%d", p.version))
		if err := os.MkdirAll(vdir, 0o700); err != nil {
			return nil, err
		}
	}
	conf := r.confPath(p)
	if mode == reloadRun {
		conf += ".next"
	}
	var out []byte
	switch {
	case p.kind == Nginx:
		out, err = r.renderNginx(p, g, data, vdir, mode == dryRun)
	case p.serves == "vip":
		out, err = r.renderHLB(p, data)
	default:
		out, err = r.renderHAProxyProxy(p, g, data, p.dir, mode == dryRun)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", p.flag(), p.file, err)
	}
	if mode == dryRun {
		return nil, nil
	}
	if err := os.WriteFile(conf, out, 0o600); err != nil {
		return nil, err
	}
	cmd := r.command(bin, p, conf)
	if err := cmd.CheckConfig(context.Background()); err != nil {
		return nil, err
	}
	return cmd, nil
}

// renderMode says what a rendering is for.
type renderMode int

const (
	// dryRun, before anything is bound: the file's shape, its planned
	// listeners, certificates and product are checked; nothing is
	// written (the product's own check needs the sockets).
	dryRun renderMode = iota
	startRun
	reloadRun
)

// lookPath finds a product, in the sbin folders too (Debian installs
// nginx and haproxy there, outside an ordinary user's PATH).
func lookPath(name string) (string, error) {
	bin, err := exec.LookPath(name)
	if err == nil {
		return bin, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		if b, e := exec.LookPath(filepath.Join(dir, name)); e == nil {
			return b, nil
		}
	}
	return "", err
}

func (r *Runtime) command(bin string, p *product, conf string) *generated.Command {
	if p.kind == HAProxy {
		return haproxyCommand(bin, p, conf)
	}
	return nginxCommand(bin, p, conf)
}

// renderNginx renders a reverse proxy's nginx.conf: its listeners on
// their sockets, the back ends on the internal network, the listener
// certificate as the lab issued it, the lab CAs to verify back ends.
func (r *Runtime) renderNginx(p *product, g *generation, data []byte, tlsDir string, dry bool) ([]byte, error) {
	at := map[string]string{}
	for _, b := range p.listeners {
		at[b.slot.Planned] = served(b)
	}
	cas := filepath.Join(tlsDir, "lab-cas.pem")
	if !dry {
		if _, err := r.writeCAs(tlsDir, "lab-cas.pem"); err != nil {
			return nil, err
		}
	}
	certErr := error(nil)
	m := generated.NginxMap{
		Listen: func(planned string) (string, bool) { s, ok := at[planned]; return s, ok },
		Upstream: func(host string, port int) (string, bool) {
			return r.upstream(g, host, port)
		},
		Unreachable: r.unreachable(),
		Certificate: func(name string) (string, string, bool) {
			if dry {
				_, ok := g.certs[name]
				return filepath.Join(tlsDir, name+".crt"), filepath.Join(tlsDir, name+".key"), ok
			}
			crt, key, err := writeCert(g, tlsDir, name)
			if err != nil {
				certErr = err
				return "", "", false
			}
			return crt, key, true
		},
		TrustedCA: cas,
		Dir:       p.dir,
	}
	out, listens, err := generated.RenderNginx(data, m)
	if certErr != nil {
		return nil, certErr
	}
	if err != nil {
		return nil, err
	}
	// Every planned listener of the proxy must be served by the file, or
	// the lab would hold a socket nobody answers.
	got := map[string]bool{}
	for _, a := range listens {
		got[a] = true
	}
	for _, b := range p.listeners {
		if !got[served(b)] {
			return nil, fmt.Errorf("it does not listen on the planned listener %s (%s)", b.slot.Name, b.slot.Planned)
		}
	}
	return out, nil
}

// renderHLB renders hlb/haproxy.cfg: each VIP port bound to its socket
// (fd@N), each node and monitor port at its served address.
func (r *Runtime) renderHLB(p *product, data []byte) ([]byte, error) {
	fds := map[string]int{}
	for i, b := range p.listeners {
		fds[b.slot.Planned] = 3 + i
	}
	r.net.mu.RLock()
	internal := r.net.internal
	r.net.mu.RUnlock()
	m := generated.HLBMap{
		Bind:        func(planned string) (int, bool) { fd, ok := fds[planned]; return fd, ok },
		Backend:     func(planned string) (string, bool) { s, ok := internal[planned]; return s, ok },
		Unreachable: r.unreachable(),
	}
	out, bound, err := generated.RenderHLB(data, m)
	if err != nil {
		return nil, err
	}
	got := map[int]bool{}
	for _, fd := range bound {
		got[fd] = true
	}
	for i, b := range p.listeners {
		if !got[3+i] {
			return nil, fmt.Errorf("it does not bind the planned VIP port %s (%s)", b.slot.Planned, b.slot.Name)
		}
	}
	return out, nil
}

// renderHAProxyProxy renders a reverse proxy's haproxy.cfg: its
// listeners on their sockets (fd@N), the back ends on the internal
// network; the TLS files it names (tls/<certificate>.pem, tls/internal-
// ca.pem) are written beside it, as the lab issued them.
func (r *Runtime) renderHAProxyProxy(p *product, g *generation, data []byte, dir string, dry bool) ([]byte, error) {
	fds := map[string]int{}
	for i, b := range p.listeners {
		fds[b.slot.Planned] = 3 + i
	}
	m := generated.ProxyMap{
		Bind:        func(planned string) (int, bool) { fd, ok := fds[planned]; return fd, ok },
		Upstream:    func(host string, port int) (string, bool) { return r.upstream(g, host, port) },
		Unreachable: r.unreachable(),
	}
	out, bound, certs, err := generated.RenderProxy(data, m)
	if err != nil {
		return nil, err
	}
	got := map[int]bool{}
	for _, fd := range bound {
		got[fd] = true
	}
	for i, b := range p.listeners {
		if !got[3+i] {
			return nil, fmt.Errorf("it does not bind the planned listener %s (%s)", b.slot.Name, b.slot.Planned)
		}
	}
	if dry {
		for _, name := range certs {
			if g.certs[name] == nil {
				return nil, fmt.Errorf("the plan has no certificate %s", name)
			}
		}
		return out, nil
	}
	// The body of HAProxy's own 504 (RP-006), beside the file.
	if err := os.WriteFile(filepath.Join(dir, generated.RP006File), []byte(generated.RP006Body), 0o600); err != nil {
		return nil, err
	}
	tlsDir := filepath.Join(dir, "tls")
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		return nil, err
	}
	if _, err := r.writeCAs(tlsDir, "internal-ca.pem"); err != nil {
		return nil, err
	}
	for _, name := range certs {
		chain, key, err := certPEM(g, name)
		if err != nil {
			return nil, err
		}
		// HAProxy reads the certificate, its chain and its key from one
		// file.
		if err := os.WriteFile(filepath.Join(tlsDir, name+".pem"), append(chain, key...), 0o600); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// haproxyCommand runs HAProxy on conf in master-worker mode, in the
// foreground (-Ws -db), with the sockets inherited (bind fd@N). SIGUSR2
// reloads: the master, which keeps the sockets, re-reads the file,
// starts a new worker on them and has the old one finish its
// connections; the child serve watches is the master throughout. -Ws
// has the master say READY=1 (the systemd notify protocol) once its
// worker serves, at the start and after each reload: a SIGUSR2 before
// the first killed it, so the lab waits for them.
func haproxyCommand(bin string, p *product, conf string) *generated.Command {
	return &generated.Command{
		Name:   haproxyName(p),
		Path:   bin,
		Check:  []string{"-c", "-q", "-f", conf},
		Run:    []string{"-Ws", "-db", "-f", conf},
		Files:  p.files,
		Notify: true,
	}
}

func haproxyName(p *product) string {
	if p.serves == "vip" {
		return fmt.Sprintf("haproxy for the load balancer VIPs (%s)", p.file)
	}
	return fmt.Sprintf("haproxy for reverse proxy %s (%s)", p.proxy, p.file)
}

// nginxCommand runs nginx on conf in the foreground with the listeners
// inherited (NGINX="3;4;...": nginx's own way of taking over sockets, as
// its binary upgrade does), its prefix and startup error log in its
// state folder.
func nginxCommand(bin string, p *product, conf string) *generated.Command {
	var fds strings.Builder
	for i := range p.files {
		fmt.Fprintf(&fds, "%d;", 3+i)
	}
	errLog := filepath.Join(p.dir, "error.log")
	common := []string{"-p", p.dir + string(filepath.Separator), "-e", errLog, "-c", conf, "-g", "daemon off;"}
	return &generated.Command{
		Name:     fmt.Sprintf("nginx for reverse proxy %s (%s)", p.proxy, p.file),
		Path:     bin,
		Check:    append([]string{"-t", "-q"}, common...),
		Run:      common,
		Env:      []string{"NGINX=" + fds.String()},
		Files:    p.files,
		ErrorLog: errLog,
		PidFile:  filepath.Join(p.dir, generated.NginxPidFile),
	}
}

// prepareProducts renders and checks every product's file.
func (r *Runtime) prepareProducts(g *generation) error {
	for _, p := range r.products {
		cmd, err := r.render(p, g, startRun)
		if err != nil {
			return err
		}
		p.cmd = cmd
	}
	return nil
}

// launchProducts starts every prepared product as a child; on a failure
// it stops those it started. r.launched is closed once it returns.
func (r *Runtime) launchProducts() error {
	defer close(r.launched)
	err := r.startProducts()
	if err != nil {
		r.stopProducts()
	}
	return err
}

// startProducts starts the children one after another. The admin server
// already serves, so a reload could otherwise come between two starts:
// it would rewrite the configuration of a child started but not yet
// recorded, and signal nothing, leaving that child on the old plan; a
// reload waits for r.launched instead (awaitLaunch), and then signals
// every child. r.mu is held only between starts, so a stop (serve
// ending) is not kept waiting: the start in flight ends, its child is
// stopped, and no other is started.
func (r *Runtime) startProducts() error {
	for _, p := range r.products {
		r.mu.Lock()
		stopped := r.productsStopped
		r.mu.Unlock()
		if stopped {
			return nil
		}
		// p.cmd is read without r.mu: a reload, its only writer, waits.
		ch, err := generated.Start(p.cmd, r.o.Log, r.productFailed)
		if err != nil {
			return err
		}
		r.mu.Lock()
		stopped = r.productsStopped
		if !stopped {
			p.mu.Lock()
			p.child = ch
			p.mu.Unlock()
		}
		r.mu.Unlock()
		if stopped {
			if err := ch.Stop(); err != nil {
				r.o.Log.Warn("stopping a product", "err", err)
			}
			return nil
		}
	}
	return nil
}

// awaitLaunch waits until the products' start has ended, so that a
// reload finds every child it must signal.
func (r *Runtime) awaitLaunch(ctx context.Context) error {
	if r.launched == nil {
		return nil
	}
	select {
	case <-r.launched:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runtime) confPath(p *product) string {
	return filepath.Join(p.dir, path.Base(p.file))
}

// productFailed: a product that exits on its own is a component that
// failed; the lab stops rather than serve without it.
func (r *Runtime) productFailed(err error) {
	r.fail(err)
	if r.cancel != nil {
		r.cancel()
	}
}

func (r *Runtime) stopProducts() {
	// Not while a reload starts a child, and none after.
	r.mu.Lock()
	defer r.mu.Unlock()
	r.productsStopped = true
	for _, p := range r.products {
		p.mu.Lock()
		all := []*generated.Child{p.child}
		p.child = nil
		p.mu.Unlock()
		for _, ch := range all {
			if ch == nil {
				continue
			}
			if err := ch.Stop(); err != nil {
				r.o.Log.Warn("stopping a product", "err", err)
			}
		}
	}
}

// checkReload renders and checks every product's file for the new
// generation beside the running one: a failure changes nothing.
func (r *Runtime) checkReload(g *generation) error {
	for _, p := range r.products {
		cmd, err := r.render(p, g, reloadRun)
		if err != nil {
			return err
		}
		p.next = cmd
	}
	return nil
}

// applyReload, once the new generation is in, has each child read its
// new file: nginx re-reads it on SIGHUP, keeps its (inherited) sockets
// and lets the old workers finish the requests in flight.
func (r *Runtime) applyReload() error {
	if r.productsStopped {
		return nil
	}
	var errs []error
	for _, p := range r.products {
		cmd := p.next
		p.next = nil
		p.mu.Lock()
		ch := p.child
		p.mu.Unlock()
		conf := r.confPath(p)
		if err := os.Rename(conf+".next", conf); err != nil {
			errs = append(errs, err)
			continue
		}
		p.cmd = r.command(cmd.Path, p, conf)
		// nginx re-reads its file on SIGHUP, HAProxy's master on SIGUSR2;
		// both keep their (inherited) sockets and let the old workers
		// finish what they carry. HAProxy's reload returns once its new
		// worker serves.
		sig := reloadSignal(p.kind)
		if ch != nil {
			if err := ch.Reload(sig); err != nil {
				errs = append(errs, err)
			}
		}
		// The folders of earlier renderings are no longer read.
		for v := p.version - 2; v > 0; v-- {
			os.RemoveAll(filepath.Join(p.dir, fmt.Sprintf("v%d", v)))
		}
	}
	return errors.Join(errs...)
}

// upstream is the served address of a back end on the internal network:
// an address through the map, a name through the internal DNS view's
// zones as applied (the first of its addresses the network reaches, as
// a proxy tries them in turn).
func (r *Runtime) upstream(g *generation, host string, port int) (string, bool) {
	r.net.mu.RLock()
	internal := r.net.internal
	r.net.mu.RUnlock()
	if a, err := netip.ParseAddr(host); err == nil {
		s, ok := internal[net.JoinHostPort(a.String(), strconv.Itoa(port))]
		return s, ok
	}
	for _, ip := range lookupZones(g, "internal", host) {
		if s, ok := internal[net.JoinHostPort(ip, strconv.Itoa(port))]; ok {
			return s, true
		}
	}
	return "", false
}

// lookupZones asks a view's DNS server, in process, for name's addresses
// (the servers are not answering yet when a product is rendered).
func lookupZones(g *generation, view, name string) []string {
	srv := g.dns[view]
	if srv == nil {
		return nil
	}
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(name), t)
		w := &capture{}
		srv.ServeDNS(w, q)
		if w.msg == nil {
			continue
		}
		for _, rr := range w.msg.Answer {
			switch a := rr.(type) {
			case *dns.A:
				out = append(out, a.A.String())
			case *dns.AAAA:
				out = append(out, a.AAAA.String())
			}
		}
	}
	return out
}

// capture is a dns.ResponseWriter that keeps the answer.
type capture struct{ msg *dns.Msg }

var loopback = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}

func (c *capture) LocalAddr() net.Addr  { return loopback }
func (c *capture) RemoteAddr() net.Addr { return loopback }
func (c *capture) WriteMsg(m *dns.Msg) error {
	c.msg = m
	return nil
}
func (c *capture) Write(b []byte) (int, error) {
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return 0, err
	}
	c.msg = m
	return len(b), nil
}
func (c *capture) Close() error        { return nil }
func (c *capture) TsigStatus() error   { return nil }
func (c *capture) TsigTimersOnly(bool) {}
func (c *capture) Hijack()             {}

// certPEM is the planned certificate name as the lab issued it: the
// certificate with its chain, and its key (the planned key, or the key
// of an imitated declared certificate).
func certPEM(g *generation, name string) (chain, key []byte, err error) {
	c := g.certs[name]
	if c == nil {
		return nil, nil, fmt.Errorf("the plan has no certificate %s", name)
	}
	for _, der := range c.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate %s: the key: %w", name, err)
	}
	return chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// writeCert writes certPEM's two files into dir.
func writeCert(g *generation, dir, name string) (string, string, error) {
	chain, key, err := certPEM(g, name)
	if err != nil {
		return "", "", err
	}
	crtFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(crtFile, chain, 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return "", "", err
	}
	return crtFile, keyFile, nil
}

// writeCAs writes both lab CAs' certificates into one file: the back
// ends' certificates are verified against them, as the built-in proxy
// does.
func (r *Runtime) writeCAs(dir, name string) (string, error) {
	var all []byte
	for _, issuer := range []string{labca.Public, labca.Internal} {
		c := r.cas.Certificate(issuer)
		if c == nil {
			return "", fmt.Errorf("no lab %s CA", issuer)
		}
		all = append(all, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	f := filepath.Join(dir, name)
	return f, os.WriteFile(f, all, 0o644)
}

// precheck renders every product's file before anything is bound, so
// that a file this runtime does not run, a product not installed, a
// listener or certificate the plan does not have stops serve with
// nothing bound; only the product's own check waits for the sockets.
func (r *Runtime) precheck(g *generation) error {
	bs := make([]*bound, len(g.slots))
	for i, s := range g.slots {
		bs[i] = &bound{slot: s}
	}
	ps, err := r.planProducts(bs)
	if err != nil {
		return err
	}
	if r.o.HLB == HAProxy && (len(ps) == 0 || ps[len(ps)-1].serves != "vip") {
		r.o.Log.Info("the plan has no load balancer VIP: --hlb haproxy has nothing to run")
	}
	for _, p := range ps {
		if _, err := r.render(p, g, dryRun); err != nil {
			return err
		}
	}
	return nil
}

// prepare finds the products of the bound endpoints, binds the sink,
// and renders and checks every product's file.
func (r *Runtime) prepare() error {
	ps, err := r.planProducts(r.bound)
	if err != nil || len(ps) == 0 {
		return err
	}
	if err := setUpProducts(ps); err != nil {
		return err
	}
	r.products = ps
	if r.sink, err = net.Listen("tcp", net.JoinHostPort(addrmap.AdminAddress, "0")); err != nil {
		return fmt.Errorf("the lab's unreachable back end: %w", err)
	}
	go func(ln net.Listener) {
		// Nothing is planned there: every connection is closed at once.
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}(r.sink)
	return r.prepareProducts(r.gen.Load())
}

// unreachable is where a back end nothing serves is sent (a placeholder
// in a dry rendering).
func (r *Runtime) unreachable() string {
	if r.sink == nil {
		return net.JoinHostPort(addrmap.AdminAddress, "9")
	}
	return r.sink.Addr().String()
}

// closeProducts closes the sockets' duplicates and the sink.
func (r *Runtime) closeProducts() {
	for _, p := range r.products {
		for _, f := range p.files {
			f.Close()
		}
		p.files = nil
	}
	if r.sink != nil {
		r.sink.Close()
	}
}
