package generated

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Line is one line of an HAProxy configuration: a section keyword
// (Section, Words[0] is global, defaults, frontend, backend or listen),
// a directive, or a comment (Words nil, Comment its text).
type Line struct {
	Words   []string
	Section bool
	Comment string
	// Blank keeps an empty line, so sections stay apart.
	Blank bool
	// Indented: a comment inside a section, written so.
	Indented bool
	N        int
}

var haproxySections = map[string]bool{"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true}

// haproxyWord is what the generators write as one word (the encoders
// of internal/encode/haproxy), plus '@' for fd@N and ',' and '(' ')'
// for sample fetches (req.hdr(host),field(1,:),lower).
var haproxyWord = regexp.MustCompile(`^[A-Za-z0-9_.:/\[\]*@,()|!-]+$`)

// ParseHAProxy reads an HAProxy configuration line by line, splitting
// each at spaces and tabs, '#' where a word starts beginning a comment.
// It is stricter than HAProxy where HAProxy rewrites what it reads and
// the generators never write it: quotes, backslashes and '$' (HAProxy's
// escapes and environment variables) are refused, so the words it
// returns are the words HAProxy reads.
func ParseHAProxy(data []byte) ([]Line, error) {
	var out []Line
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		text := strings.TrimRight(raw, "\r")
		var words []string
		comment, hasComment := "", false
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' }) {
			if hasComment {
				continue
			}
			if strings.HasPrefix(w, "#") {
				hasComment = true
				_, comment, _ = strings.Cut(text, "#")
				comment = strings.TrimSpace(comment)
				continue
			}
			if strings.ContainsAny(w, "\"'\\$") {
				return nil, fmt.Errorf("haproxy.cfg line %d: %q: quotes, backslashes and '$' are not in a configuration this lab runs", n, w)
			}
			if err := oneLine(w); err != nil {
				return nil, fmt.Errorf("haproxy.cfg line %d: %w", n, err)
			}
			words = append(words, w)
		}
		switch {
		case len(words) > 0:
			if hasComment {
				return nil, fmt.Errorf("haproxy.cfg line %d: a comment after a directive is not in a configuration this lab runs", n)
			}
			out = append(out, Line{Words: words, Section: haproxySections[words[0]], N: n})
		case hasComment:
			out = append(out, Line{Comment: comment, Indented: text[0] == ' ' || text[0] == '\t', N: n})
		default:
			out = append(out, Line{Blank: true, N: n})
		}
	}
	// The file's final newline is not a blank line.
	if len(out) > 0 && out[len(out)-1].Blank {
		out = out[:len(out)-1]
	}
	return out, nil
}

// EncodeHAProxy writes lines back: sections flush left, directives
// indented; a word that is not one of HAProxy's plain words is refused,
// so no value can split into two words or begin another line.
func EncodeHAProxy(lines []Line) ([]byte, error) {
	var b strings.Builder
	for _, l := range lines {
		switch {
		case l.Blank:
			b.WriteString("\n")
			continue
		case l.Words == nil:
			if err := oneLine(l.Comment); err != nil {
				return nil, fmt.Errorf("comment: %w", err)
			}
			if l.Indented {
				b.WriteString("    ")
			}
			b.WriteString(strings.TrimSpace("# "+l.Comment) + "\n")
			continue
		}
		for _, w := range l.Words {
			if !haproxyWord.MatchString(w) {
				return nil, fmt.Errorf("%q cannot be written as one HAProxy word", w)
			}
		}
		if !l.Section {
			b.WriteString("    ")
		}
		b.WriteString(strings.Join(l.Words, " ") + "\n")
	}
	return []byte(b.String()), nil
}

// HLBMap is what a generated hlb/haproxy.cfg is rendered onto.
type HLBMap struct {
	// Bind is the child's file descriptor of the socket serving a
	// planned VIP ip:port; false when no VIP is planned there.
	Bind func(planned string) (fd int, ok bool)
	// Backend is the served ip:port of a planned server ip:port on the
	// internal network; false when nothing is served there.
	Backend func(planned string) (string, bool)
	// Unreachable is where a back end nothing serves is sent.
	Unreachable string
}

// hlbShape is every directive a generated hlb/haproxy.cfg has, by
// section kind, as the words it starts with; the values that follow are
// checked by rewrite or pattern.
var hlbShape = map[string][]*regexp.Regexp{
	"defaults": {
		regexp.MustCompile(`^timeout (connect|client|server) [0-9]+(ms|s|m|h)?$`),
	},
	"backend": {
		regexp.MustCompile(`^stick-table type ip size [0-9]+k? expire [0-9]+(ms|s|m|h)?$`),
	},
	"listen": {
		regexp.MustCompile(`^mode (tcp|http)$`),
		regexp.MustCompile(`^balance roundrobin$`),
		regexp.MustCompile(`^timeout (client|server) [0-9]+(ms|s|m|h)?$`),
		regexp.MustCompile(`^stick on src table [A-Za-z0-9_.:-]+$`),
		regexp.MustCompile(`^cookie [A-Za-z0-9_.:-]+ insert nocache$`),
		regexp.MustCompile(`^option prefer-last-server$`),
	},
}

var sectionName = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// haproxyShape is what one kind of generated HAProxy file has: its
// sections (and whether each is named), the lines kept as they are, and
// the lines rewritten (by first word, per section).
type haproxyShape struct {
	file     string
	sections map[string]bool // kind -> named
	keep     map[string][]*regexp.Regexp
	rewrite  map[string]func(w []string) ([]string, error)
	// add are lines the lab adds at the start of each section of a kind.
	add map[string][]Line
}

// renderHAProxy checks every line against the shape and rewrites those
// it says; any other line is refused.
func renderHAProxy(conf []byte, sh haproxyShape, head []string) ([]byte, error) {
	lines, err := ParseHAProxy(conf)
	if err != nil {
		return nil, err
	}
	section := ""
	for i := range lines {
		l := &lines[i]
		if l.Words == nil {
			continue
		}
		w := l.Words
		if l.Section {
			section = w[0]
			named, ok := sh.sections[section]
			if !ok || named && (len(w) != 2 || !sectionName.MatchString(w[1])) || !named && len(w) != 1 {
				return nil, fmt.Errorf("%s line %d: %q is not a section the generated configuration has", sh.file, l.N, strings.Join(w, " "))
			}
			continue
		}
		if section == "" {
			return nil, fmt.Errorf("%s line %d: %q outside a section", sh.file, l.N, strings.Join(w, " "))
		}
		if f := sh.rewrite[section+" "+w[0]]; f != nil {
			words, err := f(w)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", sh.file, l.N, err)
			}
			l.Words = words
			continue
		}
		line := strings.Join(w, " ")
		known := false
		for _, re := range sh.keep[section] {
			if re.MatchString(line) {
				known = true
			}
		}
		if !known {
			return nil, fmt.Errorf("%s line %d: %q in %s is not a line the generated configuration has: this lab runs only the shape mobplan generates", sh.file, l.N, line, section)
		}
	}
	var top []Line
	for _, h := range head {
		top = append(top, Line{Comment: h})
	}
	for _, l := range lines {
		top = append(top, l)
		if l.Section {
			top = append(top, sh.add[l.Words[0]]...)
		}
	}
	return EncodeHAProxy(top)
}

// RenderHLB renders a generated hlb/haproxy.cfg onto the lab: each bind
// becomes the inherited socket of its VIP (fd@N), each server and its
// health check the served address of the planned node and monitor port.
// Every other line is kept; a line outside the generated shape is
// refused. It returns the configuration and the descriptors it binds.
func RenderHLB(conf []byte, m HLBMap) ([]byte, []int, error) {
	var fds []int
	sh := haproxyShape{
		file:     "hlb/haproxy.cfg",
		sections: map[string]bool{"defaults": false, "backend": true, "listen": true},
		keep:     hlbShape,
		rewrite: map[string]func([]string) ([]string, error){
			"listen bind": func(w []string) ([]string, error) {
				if len(w) != 2 {
					return nil, fmt.Errorf("bind with options is not in the generated configuration")
				}
				fd, err := bindFD(w[1], m.Bind)
				if err != nil {
					return nil, err
				}
				fds = append(fds, fd)
				return []string{"bind", "fd@" + strconv.Itoa(fd)}, nil
			},
			"listen server": m.server,
		},
	}
	out, err := renderHAProxy(conf, sh, []string{
		"Rendered by mobplan serve onto the lab's address map: binds are the lab's sockets, servers and",
		"health checks their served addresses; the comments are the generated file's and name the planned ones."})
	if err != nil {
		return nil, nil, err
	}
	if len(fds) == 0 {
		return nil, nil, fmt.Errorf("hlb/haproxy.cfg binds no VIP: not a generated load balancer configuration")
	}
	return out, fds, nil
}

// bindFD is the descriptor of the socket for a planned bind address.
func bindFD(addr string, bind func(string) (int, bool)) (int, error) {
	planned, err := plannedAddr(addr)
	if err != nil {
		return 0, err
	}
	fd, ok := bind(planned)
	if !ok {
		return 0, fmt.Errorf("%s is not an address the plan has here", planned)
	}
	return fd, nil
}

// ProxyMap is what a generated proxy/haproxy.cfg is rendered onto.
type ProxyMap struct {
	// Bind is the child's file descriptor of the socket serving a
	// planned listener ip:port; false when this proxy plans none there.
	Bind func(planned string) (fd int, ok bool)
	// Upstream is the served ip:port, on the internal network, of a
	// back end (an address or a name) and port; false when the internal
	// network reaches nothing there.
	Upstream func(host string, port int) (string, bool)
	// Unreachable is where a back end nothing serves is sent.
	Unreachable string
}

var proxyShape = map[string][]*regexp.Regexp{
	"global": {
		regexp.MustCompile(`^ssl-default-(bind|server)-options ssl-min-ver TLSv1\.[23]$`),
	},
	"defaults": {
		regexp.MustCompile(`^mode http$`),
		regexp.MustCompile(`^timeout (connect|client|server) [0-9]+(ms|s|m|h)?$`),
		regexp.MustCompile(`^default-server init-addr last,libc,none$`),
	},
	"frontend": {
		regexp.MustCompile(`^timeout client [0-9]+(ms|s|m|h)?$`),
		regexp.MustCompile(`^acl [A-Za-z0-9_.:-]+ req\.hdr\(host\),field\(1,:\),lower -m str( [a-z0-9*][a-z0-9.-]*)+$`),
		regexp.MustCompile(`^http-request deny deny_status 404( unless [A-Za-z0-9_.:-]+( \|\| [A-Za-z0-9_.:-]+)*)?$`),
		regexp.MustCompile(`^use_backend [A-Za-z0-9_.:-]+ if [A-Za-z0-9_.:-]+$`),
	},
	"backend": {
		regexp.MustCompile(`^timeout server [0-9]+(ms|s|m|h)?$`),
		regexp.MustCompile(`^http-request set-header Host [A-Za-z0-9.:\[\]-]+$`),
	},
}

var pemPath = regexp.MustCompile(`^tls/([A-Za-z0-9][A-Za-z0-9_.-]*)\.pem$`)

// RP006File is the body of HAProxy's own 504 in a rendered
// proxy/haproxy.cfg, read beside it (default-path config); the caller
// writes RP006Body there.
const RP006File = "rp-006.txt"

// RP006Body says why HAProxy answered 504: its "timeout server", the
// rule's planned idle timeout, cut a request the back end held longer.
const RP006Body = "The back end held the request longer than the planned idle timeout of the reverse proxy, so the proxy cut it (RP-006: with push, at least 960 s).\n"

// rp006 is what the lab adds to the defaults of a reverse proxy's
// HAProxy file: HAProxy's own 504 (never a back end's, which passes as
// it is) names RP-006, as the built-in proxy's does.
var rp006 = []Line{
	{Comment: "Added by mobplan serve (the lab only): HAProxy's own 504, a request held past the idle timeout, names RP-006.", Indented: true},
	{Words: []string{"http-error", "status", "504", "content-type", "text/plain", "file", RP006File, "hdr", "X-Mobplan-Rule", "RP-006"}},
}

// RenderProxy renders a generated proxy/haproxy.cfg onto the lab: each
// bind becomes the inherited socket of its listener (fd@N, its TLS
// options kept), each back end its served address. The TLS files keep
// their names: the file sets "default-path config", so they are read
// from tls/ beside the rendered file, where the caller puts the lab's
// (the listener certificates as <name>.pem, the CAs as internal-ca.pem).
// It returns the configuration, the descriptors it binds and the
// certificate names it reads.
func RenderProxy(conf []byte, m ProxyMap) ([]byte, []int, []string, error) {
	var fds []int
	var certs []string
	defaultPath := false
	sh := haproxyShape{
		file:     "proxy/haproxy.cfg",
		sections: map[string]bool{"global": false, "defaults": false, "frontend": true, "backend": true},
		keep:     proxyShape,
		add:      map[string][]Line{"defaults": rp006},
		rewrite: map[string]func([]string) ([]string, error){
			"global default-path": func(w []string) ([]string, error) {
				if len(w) != 2 || w[1] != "config" {
					return nil, fmt.Errorf("%q: the TLS files are read beside the file only with default-path config", strings.Join(w, " "))
				}
				defaultPath = true
				return w, nil
			},
			"frontend bind": func(w []string) ([]string, error) {
				if len(w) != 2 && !(len(w) == 5 && w[2] == "ssl" && w[3] == "crt") {
					return nil, fmt.Errorf("%q is not a bind line the generated configuration has", strings.Join(w, " "))
				}
				fd, err := bindFD(w[1], m.Bind)
				if err != nil {
					return nil, err
				}
				fds = append(fds, fd)
				out := []string{"bind", "fd@" + strconv.Itoa(fd)}
				if len(w) == 5 {
					sub := pemPath.FindStringSubmatch(w[4])
					if sub == nil {
						return nil, fmt.Errorf("%q is not a certificate file the generator writes", w[4])
					}
					// The CAs' file has that name: a certificate written over
					// it would be what the back ends are checked against.
					if sub[1] == "internal-ca" {
						return nil, fmt.Errorf("a certificate named internal-ca would replace the CAs' file %s", w[4])
					}
					certs = append(certs, sub[1])
					out = append(out, w[2:]...)
				}
				return out, nil
			},
			"backend server": func(w []string) ([]string, error) {
				tlsOpts := []string{"ssl", "verify", "required", "ca-file", trustedCAPath}
				sni := []string{"sni", "req.hdr(host),field(1,:),lower"}
				rest := strings.Join(w[min(3, len(w)):], " ")
				switch {
				case len(w) < 3 || w[1] != "target":
					return nil, fmt.Errorf("%q is not a server line the generated configuration has", strings.Join(w, " "))
				case rest == "", rest == strings.Join(tlsOpts, " "), rest == strings.Join(append(tlsOpts, sni...), " "):
				default:
					return nil, fmt.Errorf("%q: server options not in the generated configuration", rest)
				}
				host, port, err := net.SplitHostPort(w[2])
				if err != nil {
					return nil, fmt.Errorf("server %q: %w", w[2], err)
				}
				n, err := strconv.Atoi(port)
				if err != nil || n < 1 || n > 65535 {
					return nil, fmt.Errorf("server %q: bad port", w[2])
				}
				if !hostName.MatchString(host) {
					if _, err := netip.ParseAddr(host); err != nil {
						return nil, fmt.Errorf("server %q: not an address or a host name", w[2])
					}
				}
				served, ok := m.Upstream(host, n)
				if !ok {
					served = m.Unreachable
				}
				if err := servedAddr(served); err != nil {
					return nil, err
				}
				return append([]string{"server", "target", served}, w[3:]...), nil
			},
		},
	}
	out, err := renderHAProxy(conf, sh, []string{
		"Rendered by mobplan serve onto the lab's address map: binds are the lab's sockets, servers their",
		"served addresses, tls/ beside this file the lab's certificates; the comments are the generated file's."})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(fds) == 0 || !defaultPath {
		return nil, nil, nil, fmt.Errorf("proxy/haproxy.cfg binds no listener or lacks default-path config: not a generated reverse proxy configuration")
	}
	return out, fds, certs, nil
}

// server rewrites "server NAME IP:PORT id N check port M [cookie C]":
// the address becomes the node's served address, and the check the
// served address of its monitor port (check addr A port P, as the
// generator writes it for a lab).
func (m HLBMap) server(w []string) ([]string, error) {
	ok := len(w) >= 7 && sectionName.MatchString(w[1]) && w[3] == "id" && w[5] == "check" && w[6] == "port"
	if ok {
		if _, err := strconv.Atoi(w[4]); err != nil {
			ok = false
		}
	}
	if ok && len(w) != 8 && !(len(w) == 10 && w[8] == "cookie" && sectionName.MatchString(w[9])) {
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("%q is not a server line the generated configuration has", strings.Join(w, " "))
	}
	planned, err := plannedAddr(w[2])
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(w[7])
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("check port %q", w[7])
	}
	served, found := m.Backend(planned)
	if !found {
		served = m.Unreachable
	}
	ip, _ := netip.ParseAddrPort(planned)
	monitor, found := m.Backend(netip.AddrPortFrom(ip.Addr(), uint16(port)).String())
	if !found {
		monitor = m.Unreachable
	}
	for _, a := range []string{served, monitor} {
		if err := servedAddr(a); err != nil {
			return nil, err
		}
	}
	host, mport, _ := net.SplitHostPort(monitor)
	out := []string{"server", w[1], served, "id", w[4], "check", "addr", host, "port", mport}
	return append(out, w[8:]...), nil
}
