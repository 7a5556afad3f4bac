package generated

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// NginxPidFile is the pid file's name in the state folder (the rendered
// pid directive); the supervisor waits for it (Command.PidFile).
const NginxPidFile = "nginx.pid"

// Directive is one nginx directive, or a comment line when Name is ""
// (Args[0] holds its text).
type Directive struct {
	Name string
	Args []string
	// Block is the block's directives; IsBlock tells an empty block from
	// no block.
	Block   []*Directive
	IsBlock bool
	Line    int
}

// ParseNginx reads an nginx configuration into directives, as nginx's
// tokenizer does (ngx_conf_file.c): words end at whitespace, ';' or
// '{'; '}' closes a block where a word starts; '#' where a word starts
// begins a comment; single or double quotes make one word of what they
// hold. It is stricter than nginx where nginx's reading is surprising
// and the generator never writes it: a backslash, a quote inside a
// bare word, a '}' inside a bare word and a quoted word not followed by
// a separator are refused, so that what it returns is what nginx reads.
func ParseNginx(data []byte) ([]*Directive, error) {
	p := &nginxParser{data: data, line: 1}
	top, err := p.block(false)
	if err != nil {
		return nil, fmt.Errorf("nginx.conf line %d: %w", p.line, err)
	}
	return top, nil
}

type nginxParser struct {
	data  []byte
	pos   int
	line  int
	depth int // blocks open: bounded, since block recurses once per level
}

// maxNginxDepth bounds block nesting: a generated nginx.conf nests four
// levels (http, server, location); unbounded, a file of "http{" repeated
// would overflow the stack, which is fatal, not an error.
const maxNginxDepth = 8

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// block reads directives up to the '}' closing the block (inner) or the
// end of the file.
func (p *nginxParser) block(inner bool) ([]*Directive, error) {
	var out []*Directive
	var words []string
	line := 0
	for {
		// Skip whitespace.
		for p.pos < len(p.data) && isSpace(p.data[p.pos]) {
			if p.data[p.pos] == '\n' {
				p.line++
			}
			p.pos++
		}
		if p.pos == len(p.data) {
			if inner {
				return nil, fmt.Errorf("unexpected end of file, expecting \"}\"")
			}
			if len(words) > 0 {
				return nil, fmt.Errorf("unexpected end of file, expecting \";\" or \"}\"")
			}
			return out, nil
		}
		c := p.data[p.pos]
		switch c {
		case '#':
			end := p.pos
			for end < len(p.data) && p.data[end] != '\n' {
				end++
			}
			text := strings.TrimSpace(string(p.data[p.pos+1 : end]))
			p.pos = end
			// A comment between the words of a directive is dropped; one
			// on its own line is kept.
			if len(words) == 0 {
				out = append(out, &Directive{Args: []string{text}, Line: p.line})
			}
			continue
		case ';':
			p.pos++
			if len(words) == 0 {
				return nil, fmt.Errorf("unexpected \";\"")
			}
			out = append(out, &Directive{Name: words[0], Args: words[1:], Line: line})
			words = nil
			continue
		case '{':
			p.pos++
			if len(words) == 0 {
				return nil, fmt.Errorf("unexpected \"{\"")
			}
			d := &Directive{Name: words[0], Args: words[1:], IsBlock: true, Line: line}
			words = nil
			if p.depth++; p.depth > maxNginxDepth {
				return nil, fmt.Errorf("blocks nest more than %d levels deep", maxNginxDepth)
			}
			inside, err := p.block(true)
			p.depth--
			if err != nil {
				return nil, err
			}
			d.Block = inside
			out = append(out, d)
			continue
		case '}':
			p.pos++
			if len(words) > 0 {
				return nil, fmt.Errorf("unexpected \"}\"")
			}
			if !inner {
				return nil, fmt.Errorf("unexpected \"}\"")
			}
			return out, nil
		}
		if len(words) == 0 {
			line = p.line
		}
		w, err := p.word()
		if err != nil {
			return nil, err
		}
		words = append(words, w)
	}
}

// word reads one word at p.pos.
func (p *nginxParser) word() (string, error) {
	c := p.data[p.pos]
	if c == '"' || c == '\'' {
		start := p.pos + 1
		end := start
		for end < len(p.data) && p.data[end] != c {
			if p.data[end] == '\\' {
				return "", fmt.Errorf("a backslash in a quoted word: not a configuration this lab runs")
			}
			if p.data[end] == '\n' {
				p.line++
			}
			end++
		}
		if end == len(p.data) {
			return "", fmt.Errorf("unexpected end of file in a quoted word")
		}
		p.pos = end + 1
		if p.pos < len(p.data) && !isSpace(p.data[p.pos]) && p.data[p.pos] != ';' && p.data[p.pos] != '{' {
			return "", fmt.Errorf("unexpected %q after a quoted word", p.data[p.pos])
		}
		return string(p.data[start:end]), nil
	}
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if isSpace(c) || c == ';' || c == '{' {
			break
		}
		switch c {
		case '\\', '"', '\'':
			return "", fmt.Errorf("%q inside a word: not a configuration this lab runs", c)
		case '}':
			// nginx reads "a}" as one word, not as "a" and a closing
			// brace: a trap the generator never sets.
			return "", fmt.Errorf("\"}\" inside a word: not a configuration this lab runs")
		}
		p.pos++
	}
	return string(p.data[start:p.pos]), nil
}

// bareNginx are the words written without quotes: none of them can end
// a word, open or close a block, start a comment or a quoted word.
var bareNginx = regexp.MustCompile(`^[A-Za-z0-9._/:@+=,*~^$\[\]%!-]+$`)

// EncodeNginx writes directives back as nginx reads them: every word
// bare when it is made of safe characters, else double-quoted; a word
// that cannot stand on one line (a control character) or holds a quote
// or a backslash is refused, so no value can end a directive or begin
// another, and ParseNginx reads back exactly what was encoded.
func EncodeNginx(ds []*Directive) ([]byte, error) {
	var b strings.Builder
	if err := encodeNginx(&b, ds, ""); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func encodeNginx(b *strings.Builder, ds []*Directive, indent string) error {
	for _, d := range ds {
		if d.Name == "" {
			text := strings.Join(d.Args, " ")
			if err := oneLine(text); err != nil {
				return fmt.Errorf("comment: %w", err)
			}
			b.WriteString(indent + "#")
			if text != "" {
				b.WriteString(" " + text)
			}
			b.WriteString("\n")
			continue
		}
		if !bareNginx.MatchString(d.Name) || strings.HasPrefix(d.Name, "$") {
			return fmt.Errorf("%q cannot be a directive name", d.Name)
		}
		b.WriteString(indent + d.Name)
		for _, a := range d.Args {
			w, err := nginxWord(a)
			if err != nil {
				return fmt.Errorf("directive %s: %w", d.Name, err)
			}
			b.WriteString(" " + w)
		}
		if d.IsBlock {
			b.WriteString(" {\n")
			if err := encodeNginx(b, d.Block, indent+"    "); err != nil {
				return err
			}
			b.WriteString(indent + "}\n")
		} else {
			b.WriteString(";\n")
		}
	}
	return nil
}

func oneLine(s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return fmt.Errorf("%q does not fit on one line", s)
		}
	}
	return nil
}

// nginxWord is s as one nginx word.
func nginxWord(s string) (string, error) {
	if err := oneLine(s); err != nil {
		return "", err
	}
	if bareNginx.MatchString(s) {
		return s, nil
	}
	if strings.ContainsAny(s, "\"'\\") {
		return "", fmt.Errorf("%q holds a quote or a backslash", s)
	}
	return `"` + s + `"`, nil
}

// NginxMap is what a generated nginx.conf is rendered onto.
type NginxMap struct {
	// Listen is the served ip:port of a planned listen ip:port (the
	// socket handed to nginx); false when this proxy plans none there.
	Listen func(planned string) (string, bool)
	// Upstream is the served ip:port, on the internal network, of a
	// back end (an address or a name) and port; false when the internal
	// network reaches nothing there.
	Upstream func(host string, port int) (string, bool)
	// Unreachable is the ip:port a back end the internal network does
	// not reach is sent to: connections there are closed at once, so
	// nginx answers 502 as the built-in proxy does.
	Unreachable string
	// Certificate is the certificate file (with its chain) and key file
	// presenting the planned certificate name; false when the plan has
	// no such certificate.
	Certificate func(name string) (cert, key string, ok bool)
	// TrustedCA is the file of the lab CA certificates the back ends'
	// certificates are verified against.
	TrustedCA string
	// Dir is nginx's state folder: pid file, access log, temp paths.
	Dir string
}

// The directives a generated nginx.conf has, by context; any other is a
// shape this runtime does not know (an include, a root, a user...) and
// is refused rather than run.
var nginxShape = map[string]map[string]bool{
	"main":     {"worker_processes": true, "events": true, "http": true},
	"events":   {"worker_connections": true},
	"http":     {"server_tokens": true, "server_names_hash_bucket_size": true, "ssl_protocols": true, "proxy_http_version": true, "proxy_buffering": true, "proxy_request_buffering": true, "client_max_body_size": true, "server": true},
	"server":   {"listen": true, "server_name": true, "ssl_certificate": true, "ssl_certificate_key": true, "return": true, "location": true},
	"location": {"proxy_pass": true, "proxy_set_header": true, "proxy_ssl_server_name": true, "proxy_ssl_name": true, "proxy_ssl_verify": true, "proxy_ssl_verify_depth": true, "proxy_ssl_trusted_certificate": true, "proxy_ssl_protocols": true, "proxy_read_timeout": true, "proxy_send_timeout": true},
}

var nginxBlocks = map[string]string{"events": "events", "http": "http", "server": "server", "location": "location"}

// The TLS file names the generator writes (generators/proxy: relative
// to the configuration's folder).
var (
	certPath = regexp.MustCompile(`^tls/([A-Za-z0-9][A-Za-z0-9_.-]*)\.crt$`)
	keyPath  = regexp.MustCompile(`^tls/([A-Za-z0-9][A-Za-z0-9_.-]*)\.key$`)
)

const trustedCAPath = "tls/internal-ca.pem"

// RenderNginx renders a generated nginx.conf onto the lab: the listen
// addresses, back ends and TLS files rewritten through m, and the
// process's own files (pid, access log, temp paths) put in m.Dir. Every
// other directive is kept as it is; a directive outside the generated
// shape is refused. It returns the configuration and the served
// addresses it listens on.
func RenderNginx(conf []byte, m NginxMap) ([]byte, []string, error) {
	ds, err := ParseNginx(conf)
	if err != nil {
		return nil, nil, err
	}
	r := &nginxRender{m: m, listens: map[string]bool{}}
	if err := r.walk(ds, "main"); err != nil {
		return nil, nil, err
	}
	if r.http == nil {
		return nil, nil, fmt.Errorf("nginx.conf has no http block: not a generated reverse proxy configuration")
	}
	// The process's files in the state folder: the compiled-in paths
	// (/run, /var/log/nginx, /var/lib/nginx) are the system nginx's and
	// are not writable by an unprivileged lab.
	path := func(name string) (string, error) {
		p := filepath.Join(m.Dir, name)
		if strings.Contains(p, "$") {
			return "", fmt.Errorf("the state folder %q holds a '$', which nginx reads as a variable", m.Dir)
		}
		return p, nil
	}
	pid, err := path(NginxPidFile)
	if err != nil {
		return nil, nil, err
	}
	own := []*Directive{
		{Args: []string{"Rendered by mobplan serve onto the lab's address map: listen addresses, back ends and TLS files are"}},
		{Args: []string{"the lab's; the comments are the generated file's and name the planned ones. The process's own files:"}},
		{Name: "pid", Args: []string{pid}},
	}
	ds = append(own, ds...)
	var httpOwn []*Directive
	for _, d := range [][2]string{{"access_log", "access.log"}, {"client_body_temp_path", "temp/body"}, {"proxy_temp_path", "temp/proxy"},
		{"fastcgi_temp_path", "temp/fastcgi"}, {"uwsgi_temp_path", "temp/uwsgi"}, {"scgi_temp_path", "temp/scgi"}} {
		p, err := path(d[1])
		if err != nil {
			return nil, nil, err
		}
		httpOwn = append(httpOwn, &Directive{Name: d[0], Args: []string{p}})
	}
	r.http.Block = append(httpOwn, r.http.Block...)
	for _, d := range r.http.Block {
		if d.Name == "server" {
			addRP006(d)
		}
	}
	out, err := EncodeNginx(ds)
	if err != nil {
		return nil, nil, err
	}
	var listens []string
	for a := range r.listens {
		listens = append(listens, a)
	}
	return out, listens, nil
}

// RP006Location is the named location the lab adds to each server that
// proxies: nginx's own 504 (its proxy_read_timeout, the rule's planned
// idle timeout, cut the request) answered as the built-in proxy does,
// with X-Mobplan-Rule: RP-006. A 504 from a back end is not nginx's own
// (no proxy_intercept_errors) and passes as it is.
const RP006Location = "@mobplan_rp006"

// addRP006 adds the lab-only lines to a server block whose location
// proxies to a back end.
func addRP006(server *Directive) {
	timeout := ""
	for _, l := range server.Block {
		if l.Name != "location" {
			continue
		}
		for _, x := range l.Block {
			if x.Name == "proxy_read_timeout" && len(x.Args) == 1 && nginxTime.MatchString(x.Args[0]) {
				timeout = x.Args[0]
			}
		}
	}
	if timeout == "" {
		return
	}
	server.Block = append(server.Block,
		&Directive{Args: []string{"Added by mobplan serve (the lab only): nginx's own 504, a request held past the idle timeout, names RP-006."}},
		&Directive{Name: "error_page", Args: []string{"504", RP006Location}},
		&Directive{Name: "location", Args: []string{RP006Location}, IsBlock: true, Block: []*Directive{
			{Name: "add_header", Args: []string{"X-Mobplan-Rule", "RP-006", "always"}},
			{Name: "return", Args: []string{"504", "the back end held the request longer than the planned idle timeout of the reverse proxy, " + timeout + ", so the proxy cut it (RP-006: with push, at least 960 s)"}},
		}},
	)
}

var nginxTime = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d)?$`)

type nginxRender struct {
	m       NginxMap
	http    *Directive
	listens map[string]bool
}

func (r *nginxRender) walk(ds []*Directive, ctx string) error {
	for _, d := range ds {
		if d.Name == "" {
			continue
		}
		if !nginxShape[ctx][d.Name] {
			return fmt.Errorf("nginx.conf line %d: %q in %s is not a directive the generated configuration has: this lab runs only the shape mobplan generates", d.Line, d.Name, ctx)
		}
		inner, isBlock := nginxBlocks[d.Name]
		if isBlock != d.IsBlock {
			return fmt.Errorf("nginx.conf line %d: %s is written with the wrong form (block or not)", d.Line, d.Name)
		}
		if err := r.rewrite(d); err != nil {
			return fmt.Errorf("nginx.conf line %d: %s: %w", d.Line, d.Name, err)
		}
		if d.Name == "http" {
			if r.http != nil {
				return fmt.Errorf("nginx.conf line %d: a second http block", d.Line)
			}
			r.http = d
		}
		if isBlock {
			if err := r.walk(d.Block, inner); err != nil {
				return err
			}
		}
		// nginx gives a server with no listen *:80 (or *:8000), a socket
		// it would bind itself on every interface: each server listens
		// where the plan says, or the file is refused.
		if d.Name == "server" && !slices.ContainsFunc(d.Block, func(x *Directive) bool { return x.Name == "listen" }) {
			return fmt.Errorf("nginx.conf line %d: a server block without listen (nginx would bind *:80 for it)", d.Line)
		}
	}
	return nil
}

// rewrite maps one directive's values onto the lab.
func (r *nginxRender) rewrite(d *Directive) error {
	switch d.Name {
	// What the generator writes for these is the only value kept: an
	// edited file may not turn off the back ends' certificate check,
	// allow old TLS, or ask for a thousand workers.
	case "proxy_ssl_verify":
		if len(d.Args) != 1 || d.Args[0] != "on" {
			return fmt.Errorf("only \"on\" is kept")
		}
	case "ssl_protocols", "proxy_ssl_protocols":
		for _, a := range d.Args {
			if a != "TLSv1.2" && a != "TLSv1.3" {
				return fmt.Errorf("protocol %q: only TLSv1.2 and TLSv1.3 are kept", a)
			}
		}
	case "worker_processes":
		if len(d.Args) != 1 || (d.Args[0] != "auto" && !smallInt(d.Args[0], 64)) {
			return fmt.Errorf("only auto or 1 to 64 is kept")
		}
	case "worker_connections":
		if len(d.Args) != 1 || !smallInt(d.Args[0], 65536) {
			return fmt.Errorf("only 1 to 65536 is kept")
		}
	case "listen":
		if len(d.Args) == 0 {
			return fmt.Errorf("no address")
		}
		for _, a := range d.Args[1:] {
			if a != "ssl" && a != "default_server" {
				return fmt.Errorf("parameter %q is not one the generated configuration has", a)
			}
		}
		planned, err := plannedAddr(d.Args[0])
		if err != nil {
			return err
		}
		served, ok := r.m.Listen(planned)
		if !ok {
			return fmt.Errorf("%s is not a listener this reverse proxy plans", planned)
		}
		if err := servedAddr(served); err != nil {
			return err
		}
		d.Args[0] = served
		r.listens[served] = true
	case "ssl_certificate", "ssl_certificate_key":
		re, which := certPath, 0
		if d.Name == "ssl_certificate_key" {
			re, which = keyPath, 1
		}
		if len(d.Args) != 1 {
			return fmt.Errorf("want one file")
		}
		sub := re.FindStringSubmatch(d.Args[0])
		if sub == nil {
			return fmt.Errorf("%q is not a certificate file the generator writes", d.Args[0])
		}
		crt, key, ok := r.m.Certificate(sub[1])
		if !ok {
			return fmt.Errorf("the plan has no certificate %s", sub[1])
		}
		f := []string{crt, key}[which]
		if err := safePath(f); err != nil {
			return err
		}
		d.Args[0] = f
	case "proxy_ssl_trusted_certificate":
		if len(d.Args) != 1 || d.Args[0] != trustedCAPath {
			return fmt.Errorf("%v is not the CA file the generator writes (%s)", d.Args, trustedCAPath)
		}
		if err := safePath(r.m.TrustedCA); err != nil {
			return err
		}
		d.Args[0] = r.m.TrustedCA
	case "proxy_pass":
		if len(d.Args) != 1 {
			return fmt.Errorf("want one URL")
		}
		scheme, hostport, ok := strings.Cut(d.Args[0], "://")
		if !ok || scheme != "http" && scheme != "https" || strings.ContainsAny(hostport, "/?#$") {
			return fmt.Errorf("%q is not a back end the generator writes (scheme://host:port)", d.Args[0])
		}
		host, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return fmt.Errorf("%q: %w", d.Args[0], err)
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: bad port", d.Args[0])
		}
		if !hostName.MatchString(host) {
			if _, err := netip.ParseAddr(host); err != nil {
				return fmt.Errorf("%q: not an address or a host name", d.Args[0])
			}
		}
		served, ok := r.m.Upstream(host, n)
		if !ok {
			served = r.m.Unreachable
		}
		if err := servedAddr(served); err != nil {
			return err
		}
		d.Args[0] = scheme + "://" + served
	}
	return nil
}

var hostName = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$`)

// plannedAddr checks a listen address as the generator writes it
// (ip:port, [v6]:port) and returns it canonical.
func plannedAddr(s string) (string, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an ip:port listen address: %w", s, err)
	}
	return ap.String(), nil
}

// servedAddr checks that a served address is a plain ip:port.
func servedAddr(s string) error {
	if _, err := netip.ParseAddrPort(s); err != nil {
		return fmt.Errorf("served address %q: %w", s, err)
	}
	return nil
}

// safePath checks a file path put into a configuration: absolute, on one
// line, no '$' (nginx expands variables in certificate paths).
func safePath(p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%q is not an absolute path", p)
	}
	if err := oneLine(p); err != nil {
		return err
	}
	if strings.Contains(p, "$") {
		return fmt.Errorf("%q holds a '$', which nginx reads as a variable", p)
	}
	return nil
}

// smallInt reports whether s is a whole number from 1 to max.
func smallInt(s string, max int) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= max
}
