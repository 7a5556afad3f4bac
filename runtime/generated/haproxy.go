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
	N     int
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
			out = append(out, Line{Comment: comment, N: n})
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
			b.WriteString("# " + l.Comment + "\n")
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

// RenderHLB renders a generated hlb/haproxy.cfg onto the lab: each bind
// becomes the inherited socket of its VIP (fd@N), each server and its
// health check the served address of the planned node and monitor port.
// Every other line is kept; a line outside the generated shape is
// refused. It returns the configuration and the descriptors it binds.
func RenderHLB(conf []byte, m HLBMap) ([]byte, []int, error) {
	lines, err := ParseHAProxy(conf)
	if err != nil {
		return nil, nil, err
	}
	section := ""
	var fds []int
	for i := range lines {
		l := &lines[i]
		if l.Words == nil {
			continue
		}
		w := l.Words
		if l.Section {
			section = w[0]
			switch {
			case section == "defaults" && len(w) == 1:
			case (section == "backend" || section == "listen") && len(w) == 2 && sectionName.MatchString(w[1]):
			default:
				return nil, nil, fmt.Errorf("haproxy.cfg line %d: %q is not a section the generated configuration has", l.N, strings.Join(w, " "))
			}
			continue
		}
		if section == "" {
			return nil, nil, fmt.Errorf("haproxy.cfg line %d: %q outside a section", l.N, strings.Join(w, " "))
		}
		switch {
		case section == "listen" && w[0] == "bind":
			if len(w) != 2 {
				return nil, nil, fmt.Errorf("haproxy.cfg line %d: bind with options is not in the generated configuration", l.N)
			}
			planned, err := plannedAddr(w[1])
			if err != nil {
				return nil, nil, fmt.Errorf("haproxy.cfg line %d: %w", l.N, err)
			}
			fd, ok := m.Bind(planned)
			if !ok {
				return nil, nil, fmt.Errorf("haproxy.cfg line %d: %s is not a VIP the plan has", l.N, planned)
			}
			l.Words = []string{"bind", "fd@" + strconv.Itoa(fd)}
			fds = append(fds, fd)
		case section == "listen" && w[0] == "server":
			words, err := m.server(w)
			if err != nil {
				return nil, nil, fmt.Errorf("haproxy.cfg line %d: %w", l.N, err)
			}
			l.Words = words
		default:
			line := strings.Join(w, " ")
			known := false
			for _, re := range hlbShape[section] {
				if re.MatchString(line) {
					known = true
				}
			}
			if !known {
				return nil, nil, fmt.Errorf("haproxy.cfg line %d: %q in %s is not a line the generated configuration has: this lab runs only the shape mobplan generates", l.N, line, section)
			}
		}
	}
	if len(fds) == 0 {
		return nil, nil, fmt.Errorf("haproxy.cfg binds no VIP: not a generated load balancer configuration")
	}
	head := []Line{{Comment: "Rendered by mobplan serve onto the lab's address map: binds are the lab's sockets, servers and"},
		{Comment: "health checks their served addresses; the comments are the generated file's and name the planned ones."}}
	out, err := EncodeHAProxy(append(head, lines...))
	if err != nil {
		return nil, nil, err
	}
	return out, fds, nil
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
