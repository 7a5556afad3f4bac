package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
)

// initFile is the file init writes inside DIR.
const initFile = "topology.hcl"

// initOptions are the answers init builds a starter topology from.
type initOptions struct {
	version       string
	sipDomains    []string
	adDomain      string
	site          string
	poolFQDN      string
	servers       int
	serverSubnet  string
	os            string
	edge          bool
	edgeIntIP     string
	edgeAccessIP  string
	edgeWebconfIP string
	edgeAVIP      string
	rpIP          string
	rpInternalIP  string
}

// Defaults. The addresses are placeholders from the documentation ranges
// (RFC 5737) and private ranges, so that a starter never names a real
// host by accident; the file's comments say to replace them.
const (
	defaultInitVersion   = "sfb2019"
	defaultInitSite      = "Site1"
	defaultInitSubnet    = "192.168.10.0/24"
	defaultInitEdgeInt   = "172.16.0.10"
	defaultInitAccess    = "203.0.113.10"
	defaultInitWebconf   = "203.0.113.11"
	defaultInitAV        = "203.0.113.12"
	defaultInitRP        = "198.51.100.10"
	defaultInitRPIntern  = "172.16.0.5"
	maxInitPoolServers   = 12 // an Enterprise Edition pool holds at most 12 Front End servers
	initFirstServerIndex = 11 // servers take .11, .12, ... of the subnet; the VIPs .100 and .101
)

// defaultOS is a server OS each product version supports.
var defaultOS = map[string]string{"lync2013": "2012r2", "sfb2015": "2016", "sfb2019": "2019"}

// stdinIsTerminal decides whether init may prompt; a test replaces it.
var stdinIsTerminal = promptable

// promptable reports whether r is a terminal someone can answer on: a
// character device, and one with terminal settings (/dev/null is the
// first but not the second).
func promptable(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminal(r) && ttyFD(f.Fd())
}

func newInitCmd(env Env) *cobra.Command {
	o := initOptions{version: defaultInitVersion, site: defaultInitSite, servers: 1, serverSubnet: defaultInitSubnet,
		edgeIntIP: defaultInitEdgeInt, edgeAccessIP: defaultInitAccess, edgeWebconfIP: defaultInitWebconf, edgeAVIP: defaultInitAV,
		rpIP: defaultInitRP, rpInternalIP: defaultInitRPIntern}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a starter topology to edit",
		Long: `Init writes DIR/` + initFile + ` (DIR defaults to the current folder and is created if
missing): a starter HCL topology built from the flags, commented block by block,
that 'mobplan validate' accepts with no error. Edit it to match the deployment.

Only --sip-domain has no default. On a terminal, init asks for each value not given
as a flag (Enter keeps the default shown); otherwise it uses the defaults below, and
fails when no --sip-domain is given.

One server makes a Standard Edition server, two or more an Enterprise Edition pool
(web services VIPs .100 and .101 of --server-subnet, servers from .11). The default
addresses are placeholders from documentation and private ranges: replace them.

Init checks the starter as validate does before writing it, and refuses flags that
together break a rule (naming it). It never overwrites: it refuses when
DIR/` + initFile + ` exists or DIR already holds a topology.`,
		Example: `  mobplan init --sip-domain contoso.com lab
  mobplan init --sip-domain contoso.com --sip-domain fabrikam.com --servers 3 --edge --reverse-proxy-ip 131.107.155.1 contoso`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := topologyPath(args)
			if stdinIsTerminal(env.Stdin) {
				if err := o.prompt(cmd, bufio.NewReader(env.Stdin), env.Stderr); err != nil {
					return err
				}
			}
			if err := o.check(); err != nil {
				return err
			}
			src, err := o.render()
			if err != nil {
				return err
			}
			if err := checkStarter(src); err != nil {
				return err
			}
			path, err := writeNew(dir, src)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Wrote %s. Edit it, then run: mobplan validate %s\n", path, dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.version, "version", o.version, "product version: lync2013, sfb2015 or sfb2019")
	f.StringArrayVar(&o.sipDomains, "sip-domain", nil, "a SIP domain; repeatable, the first is the primary (required)")
	f.StringVar(&o.adDomain, "ad-domain", "", "the Active Directory domain of the servers (default: the primary SIP domain)")
	f.StringVar(&o.site, "site", o.site, "the central site's name")
	f.StringVar(&o.poolFQDN, "pool-fqdn", "", "the Front End pool's (or Standard Edition server's) FQDN (default: pool01.<ad-domain>)")
	f.IntVar(&o.servers, "servers", o.servers, fmt.Sprintf("Front End servers: 1 for Standard Edition, 2 to %d for an Enterprise Edition pool", maxInitPoolServers))
	f.StringVar(&o.serverSubnet, "server-subnet", o.serverSubnet, "the Front End servers' subnet, in CIDR notation")
	f.StringVar(&o.os, "os", "", "the servers' Windows Server version: 2012r2, 2016, 2019, 2022 (default: one the version supports)")
	f.BoolVar(&o.edge, "edge", false, "add an Edge pool of one server (federation, external media)")
	f.StringVar(&o.edgeIntIP, "edge-internal-ip", o.edgeIntIP, "the Edge server's internal address")
	f.StringVar(&o.edgeAccessIP, "edge-access-ip", o.edgeAccessIP, "the Edge's public Access Edge address")
	f.StringVar(&o.edgeWebconfIP, "edge-webconf-ip", o.edgeWebconfIP, "the Edge's public Web Conferencing Edge address")
	f.StringVar(&o.edgeAVIP, "edge-av-ip", o.edgeAVIP, "the Edge's public A/V Edge address")
	f.StringVar(&o.rpIP, "reverse-proxy-ip", o.rpIP, "the reverse proxy's public listener address (where lyncdiscover and the web services resolve)")
	f.StringVar(&o.rpInternalIP, "reverse-proxy-internal-ip", o.rpInternalIP, "the reverse proxy's internal (DMZ) address")
	return cmd
}

// prompt asks on the terminal for each value not given as a flag.
func (o *initOptions) prompt(cmd *cobra.Command, in *bufio.Reader, out io.Writer) error {
	f := cmd.Flags()
	ask := func(flag, question, def string) (string, error) {
		if f.Changed(flag) {
			return "", nil
		}
		if def != "" {
			fmt.Fprintf(out, "%s [%s]: ", question, def)
		} else {
			fmt.Fprintf(out, "%s: ", question)
		}
		line, err := in.ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			return "", fmt.Errorf("reading the answer to %q: %w", question, err)
		}
		if line = strings.TrimSpace(line); line == "" {
			return def, nil
		}
		return line, nil
	}
	set := func(flag, question string, dst *string, def string) error {
		v, err := ask(flag, question, def)
		if err == nil && v != "" {
			*dst = v
		}
		return err
	}
	if !f.Changed("sip-domain") {
		v, err := ask("sip-domain", "SIP domains, comma-separated (the first is the primary)", "")
		if err != nil {
			return err
		}
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				o.sipDomains = append(o.sipDomains, d)
			}
		}
	}
	if err := set("version", "Product version (lync2013, sfb2015, sfb2019)", &o.version, o.version); err != nil {
		return err
	}
	primary := ""
	if len(o.sipDomains) > 0 {
		primary = o.sipDomains[0]
	}
	if err := set("ad-domain", "Active Directory domain", &o.adDomain, firstNonEmpty(o.adDomain, primary)); err != nil {
		return err
	}
	if err := set("pool-fqdn", "Front End pool FQDN", &o.poolFQDN, firstNonEmpty(o.poolFQDN, "pool01."+firstNonEmpty(o.adDomain, primary))); err != nil {
		return err
	}
	if !f.Changed("servers") {
		v, err := ask("servers", "Front End servers (1 = Standard Edition)", strconv.Itoa(o.servers))
		if err != nil {
			return err
		}
		if o.servers, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("servers: %q is not a number", v)
		}
	}
	if !f.Changed("edge") {
		v, err := ask("edge", "Add an Edge pool? (y/n)", "n")
		if err != nil {
			return err
		}
		switch strings.ToLower(v) {
		case "y", "yes":
			o.edge = true
		case "n", "no":
			o.edge = false
		default:
			return fmt.Errorf("edge: answer y or n, not %q", v)
		}
	}
	return set("reverse-proxy-ip", "Reverse proxy public address", &o.rpIP, o.rpIP)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// dnsName is what init accepts as a domain or host name: letters,
// digits and hyphens in dot-separated labels. Validate checks the rest.
var dnsName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$`)

// check refuses values the topology could not hold, naming the flag,
// and fills in the defaults that depend on other values.
func (o *initOptions) check() error {
	if len(o.sipDomains) == 0 {
		return errors.New("no SIP domain: give at least one --sip-domain (e.g. --sip-domain contoso.com)")
	}
	if _, ok := defaultOS[o.version]; !ok {
		return fmt.Errorf("--version %q: must be one of lync2013, sfb2015, sfb2019", o.version)
	}
	seen := map[string]bool{}
	for _, d := range o.sipDomains {
		if !dnsName.MatchString(d) {
			return fmt.Errorf("--sip-domain %q: not a domain name (such as contoso.com)", d)
		}
		if seen[strings.ToLower(d)] {
			return fmt.Errorf("--sip-domain %q is given twice", d)
		}
		seen[strings.ToLower(d)] = true
	}
	o.adDomain = firstNonEmpty(o.adDomain, o.sipDomains[0])
	o.poolFQDN = firstNonEmpty(o.poolFQDN, "pool01."+o.adDomain)
	o.os = firstNonEmpty(o.os, defaultOS[o.version])
	for flag, v := range map[string]string{"--ad-domain": o.adDomain, "--pool-fqdn": o.poolFQDN} {
		if !dnsName.MatchString(v) {
			return fmt.Errorf("%s %q: not a domain name", flag, v)
		}
	}
	if !hclsyntax.ValidIdentifier(o.site) {
		return fmt.Errorf("--site %q: use letters, digits, '_' and '-', starting with a letter", o.site)
	}
	if o.servers < 1 || o.servers > maxInitPoolServers {
		return fmt.Errorf("--servers %d: must be 1 (Standard Edition) to %d", o.servers, maxInitPoolServers)
	}
	switch o.os {
	case "2012r2", "2016", "2019", "2022":
	default:
		return fmt.Errorf("--os %q: must be one of 2012r2, 2016, 2019, 2022", o.os)
	}
	ips := map[string]string{"--reverse-proxy-ip": o.rpIP, "--reverse-proxy-internal-ip": o.rpInternalIP}
	if o.edge {
		ips["--edge-internal-ip"] = o.edgeIntIP
		ips["--edge-access-ip"] = o.edgeAccessIP
		ips["--edge-webconf-ip"] = o.edgeWebconfIP
		ips["--edge-av-ip"] = o.edgeAVIP
	}
	// IPv4 only: the records mobplan derives for these addresses are A
	// records.
	for flag, v := range ips {
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			return fmt.Errorf("%s %q: not an IPv4 address", flag, v)
		}
	}
	if _, err := o.hosts(); err != nil {
		return err
	}
	return nil
}

// hosts are the servers' addresses, then (for a pool) the two VIPs.
func (o *initOptions) hosts() ([]string, error) {
	p, err := netip.ParsePrefix(o.serverSubnet)
	if err != nil {
		return nil, fmt.Errorf("--server-subnet %q: not a subnet in CIDR notation (such as 192.168.10.0/24)", o.serverSubnet)
	}
	if !p.Addr().Is4() {
		return nil, fmt.Errorf("--server-subnet %q: give an IPv4 subnet", o.serverSubnet)
	}
	p = p.Masked()
	nth := func(n int) (string, error) {
		a := p.Addr()
		for range n {
			a = a.Next()
		}
		if !p.Contains(a) {
			return "", fmt.Errorf("--server-subnet %s is too small: init places servers at host %d and VIPs at hosts 100 and 101", o.serverSubnet, initFirstServerIndex)
		}
		return a.String(), nil
	}
	var out []string
	for i := range o.servers {
		ip, err := nth(initFirstServerIndex + i)
		if err != nil {
			return nil, err
		}
		out = append(out, ip)
	}
	if o.servers > 1 {
		for _, n := range []int{100, 101} {
			ip, err := nth(n)
			if err != nil {
				return nil, err
			}
			out = append(out, ip)
		}
	}
	return out, nil
}

// render builds the starter topology with hclwrite: every user value is
// written as an HCL literal, never spliced into the text.
func (o *initOptions) render() ([]byte, error) {
	hosts, err := o.hosts()
	if err != nil {
		return nil, err
	}
	primary := o.sipDomains[0]
	f := hclwrite.NewEmptyFile()
	b := f.Body()

	comment(b, "A starter Skype for Business Mobility topology written by 'mobplan init'.",
		"Replace the placeholder addresses with your own, then run 'mobplan validate'",
		"and 'mobplan plan'. DNS records, certificate SANs, publishing rules and",
		"firewall rows are left out: mobplan derives them from what is written here.",
		"'mobplan schema --format markdown' prints the reference of every attribute.")
	b.AppendNewline()
	comment(b, "The product version, the SIP domains (the first is the primary) and the",
		"Active Directory domain the servers' FQDNs are in.")
	b.SetAttributeValue("version", cty.StringVal(o.version))
	doms := make([]cty.Value, len(o.sipDomains))
	for i, d := range o.sipDomains {
		doms[i] = cty.StringVal(d)
	}
	b.SetAttributeValue("sip_domains", cty.ListVal(doms))
	b.SetAttributeValue("ad_domain", cty.StringVal(o.adDomain))
	b.AppendNewline()

	comment(b, "The central site the pool and the Edge belong to.")
	b.AppendNewBlock("site", []string{o.site})
	b.AppendNewline()

	if o.servers == 1 {
		comment(b, "A Standard Edition server: its own pool of one, with no load balancer.")
	} else {
		comment(b, "An Enterprise Edition Front End pool. With DNS load balancing the internal web",
			"services FQDN must differ from the pool FQDN, and the web services need",
			"virtual IPs on a hardware load balancer.")
	}
	pool := b.AppendNewBlock("pool", []string{"pool01"}).Body()
	pool.SetAttributeValue("kind", cty.StringVal(map[bool]string{true: "fe-se", false: "fe-ee"}[o.servers == 1]))
	pool.SetAttributeValue("fqdn", cty.StringVal(o.poolFQDN))
	pool.SetAttributeTraversal("site", hcl.Traversal{hcl.TraverseRoot{Name: "site"}, hcl.TraverseAttr{Name: o.site}, hcl.TraverseAttr{Name: "name"}})
	if o.edge {
		comment(pool, "Federation and external media go through this Edge pool.")
		pool.SetAttributeTraversal("edge_pool", hcl.Traversal{hcl.TraverseRoot{Name: "edge_pool"}, hcl.TraverseAttr{Name: "edge"}, hcl.TraverseAttr{Name: "name"}})
	}
	if o.servers > 1 {
		pool.AppendNewline()
		wi := pool.AppendNewBlock("web_internal", nil).Body()
		wi.SetAttributeValue("fqdn", cty.StringVal("webint."+o.adDomain))
		wi.SetAttributeValue("vip", cty.StringVal(hosts[o.servers]))
	}
	pool.AppendNewline()
	comment(pool, "The external web services: what the reverse proxy publishes to mobile clients.")
	we := pool.AppendNewBlock("web_external", nil).Body()
	we.SetAttributeValue("fqdn", cty.StringVal("webext."+primary))
	if o.servers > 1 {
		we.SetAttributeValue("vip", cty.StringVal(hosts[o.servers+1]))
	}
	for i := range o.servers {
		pool.AppendNewline()
		if i == 0 {
			comment(pool, "The Front End servers, with their addresses and Windows Server version.")
		}
		name := fmt.Sprintf("fe%02d", i+1)
		s := pool.AppendNewBlock("server", []string{name}).Body()
		s.SetAttributeValue("fqdn", cty.StringVal(name+"."+o.adDomain))
		s.SetAttributeValue("ips", cty.ListVal([]cty.Value{cty.StringVal(hosts[i])}))
		s.SetAttributeValue("os", cty.StringVal(o.os))
	}
	b.AppendNewline()

	if o.edge {
		comment(b, "The Edge pool: one server, internal and public legs. The public FQDNs are in",
			"the primary SIP domain; the addresses are placeholders to replace.")
		e := b.AppendNewBlock("edge_pool", []string{"edge"}).Body()
		e.SetAttributeTraversal("site", hcl.Traversal{hcl.TraverseRoot{Name: "site"}, hcl.TraverseAttr{Name: o.site}, hcl.TraverseAttr{Name: "name"}})
		e.SetAttributeValue("internal_fqdn", cty.StringVal("edge."+o.adDomain))
		e.SetAttributeValue("access_fqdn", cty.StringVal("sip."+primary))
		e.SetAttributeValue("webconf_fqdn", cty.StringVal("webconf."+primary))
		e.SetAttributeValue("av_fqdn", cty.StringVal("av."+primary))
		e.AppendNewline()
		s := e.AppendNewBlock("server", []string{"edge01"}).Body()
		s.SetAttributeValue("fqdn", cty.StringVal("edge01."+o.adDomain))
		s.SetAttributeValue("internal_ip", cty.StringVal(o.edgeIntIP))
		s.SetAttributeValue("access_ip", cty.StringVal(o.edgeAccessIP))
		s.SetAttributeValue("webconf_ip", cty.StringVal(o.edgeWebconfIP))
		s.SetAttributeValue("av_ip", cty.StringVal(o.edgeAVIP))
		b.AppendNewline()
	}

	comment(b, "Mobility: Autodiscover over HTTPS (recommended), phones on the corporate",
		"Wi-Fi too. Push notifications are left off: only Windows Phone and Lync 2010",
		"Mobile need them, and they need an Edge, a hosting provider and federation.")
	m := b.AppendNewBlock("mobility", nil).Body()
	m.SetAttributeValue("enabled", cty.True)
	m.SetAttributeValue("autodiscover_scheme", cty.StringVal("https"))
	m.SetAttributeValue("internal_wifi", cty.True)
	b.AppendNewline()

	comment(b, "The reverse proxy that publishes the external web services and lyncdiscover",
		"to the Internet. Its rules are derived; the public address is where",
		"lyncdiscover.<SIP domain> and the external web services FQDN resolve.")
	rp := b.AppendNewBlock("reverse_proxy", []string{"rp"}).Body()
	rp.SetAttributeValue("internal_ip", cty.StringVal(o.rpInternalIP))
	rp.AppendNewline()
	l := rp.AppendNewBlock("listener", []string{"https"}).Body()
	l.SetAttributeValue("ip", cty.StringVal(o.rpIP))
	l.SetAttributeValue("port", cty.NumberIntVal(443))
	b.AppendNewline()

	comment(b, "The simple URLs: a meeting URL per SIP domain and the dial-in page.")
	su := b.AppendNewBlock("simple_urls", nil).Body()
	for _, d := range o.sipDomains {
		mt := su.AppendNewBlock("meet", nil).Body()
		mt.SetAttributeValue("domain", cty.StringVal(d))
		mt.SetAttributeValue("url", cty.StringVal("https://meet."+d))
	}
	di := su.AppendNewBlock("dialin", nil).Body()
	di.SetAttributeValue("url", cty.StringVal("https://dialin."+primary))
	return hclwrite.Format(f.Bytes()), nil
}

// checkStarter validates the starter before it is written, so that init
// never leaves a topology with errors: some combinations of flags break
// a rule (a server OS the version does not support, say).
func checkStarter(src []byte) error {
	dir, err := os.MkdirTemp("", "mobplan-init-")
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, initFile), src, 0o600); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		return fmt.Errorf("init: checking the starter: %w", err)
	}
	var errs []string
	for _, d := range c.Diagnostics {
		if d.Severity == diag.Error {
			errs = append(errs, fmt.Sprintf("  %s [%s]", d.Summary, d.Rule))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("these flags make a topology that does not validate; nothing written:\n%s", strings.Join(errs, "\n"))
	}
	return nil
}

// comment appends '#' line comments. Their text is init's own, never a
// user value.
func comment(b *hclwrite.Body, lines ...string) {
	var toks hclwrite.Tokens
	for _, l := range lines {
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte("# " + l + "\n")})
	}
	b.AppendUnstructuredTokens(toks)
}

// writeNew creates dir/topology.hcl, refusing to replace a file or to add
// one to a folder that already holds a topology.
func writeNew(dir string, src []byte) (string, error) {
	path := filepath.Join(dir, initFile)
	if _, err := os.Lstat(path); err == nil {
		return "", fmt.Errorf("%s exists; init does not overwrite files (remove it, or choose another folder)", path)
	}
	if _, err := loader.Detect(dir); err == nil {
		return "", fmt.Errorf("%s already holds a topology; init writes into a new or empty folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("init: %w", err)
	}
	// O_EXCL: a file that appeared since the check is not replaced either.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s exists; init does not overwrite files", path)
	}
	if err != nil {
		return "", fmt.Errorf("init: %w", err)
	}
	if _, err := f.Write(src); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("init: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("init: write %s: %w", path, err)
	}
	return path, nil
}
