package proxy_test

import (
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/proxy"
	"github.com/mobplan/mobplan/planner/plan"
)

// The attacks of issue 9 on the proxy configurations: a name with a line
// break became directives (nginx.conf got `user root;` and a server that
// served /etc/shadow; haproxy.cfg got a whole listen section). Each must
// make the generator refuse, naming what it refused.
func TestIssueAttacksRefused(t *testing.T) {
	const nginxUser = "rp\nuser root;\n#"
	const nginxShadow = "x\n    server { listen 8443; root /etc; location / { try_files /shadow =404; } }\n#"
	const haproxyListen = "x\nlisten evil\n    bind :8443\n    mode tcp\n    server evil 203.0.113.66:22\n#"
	cases := []struct {
		name   string
		set    func(rp *plan.ReverseProxy)
		refuse string
	}{
		{"proxy name", func(rp *plan.ReverseProxy) { rp.Name = nginxUser }, `user root;`},
		{"listener name", func(rp *plan.ReverseProxy) { rp.Listeners[0].Name = nginxShadow }, `/shadow`},
		{"rule name", func(rp *plan.ReverseProxy) { rp.Rules[0].Name = haproxyListen }, `listen evil`},
		{"rule why", func(rp *plan.ReverseProxy) { rp.Rules[0].Why = haproxyListen }, `listen evil`},
		{"public name", func(rp *plan.ReverseProxy) { rp.Rules[0].PublicNames[0] = "a.contoso.com;\n    return 200 pwned" }, `pwned`},
		{"public name with regex", func(rp *plan.ReverseProxy) { rp.Rules[0].PublicNames[0] = "~.*" }, `~.*`},
		{"target", func(rp *plan.ReverseProxy) { rp.Rules[0].Target = "10.0.0.1:443; root /etc" }, `root /etc`},
		{"listener address", func(rp *plan.ReverseProxy) { rp.Listeners[0].IP = "fe80::1%eth0;user root" }, `user root`},
		{"certificate", func(rp *plan.ReverseProxy) { rp.Listeners[0].Certificate = "x.crt;\n    user root;\n" }, `user root`},
		{"back scheme", func(rp *plan.ReverseProxy) { rp.Rules[0].Bridges[0].BackScheme = "https://evil.example#" }, `evil.example`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := examplePlan(t, "contoso")
			c.set(&p.ReverseProxies[0])
			files, err := proxy.Generator.Generate(&artifact.Context{Plan: p})
			if err == nil {
				var out strings.Builder
				for _, f := range files {
					out.WriteString("--- " + f.Path + "\n" + string(f.Data))
				}
				t.Fatalf("the generator wrote the %s:\n%s", c.name, out.String())
			}
			if !strings.Contains(err.Error(), "proxy") {
				t.Errorf("the error does not say which generator refused: %v", err)
			}
		})
	}
}

// Two rules whose HAProxy names would be the same (rule "a-b" on
// listener "c", rule "a" on listener "b-c") would make one backend of
// two, or merge two ACLs; the generator refuses instead.
func TestHAProxyNamesCollide(t *testing.T) {
	p := examplePlan(t, "contoso")
	rp := &p.ReverseProxies[0]
	r := rp.Rules[0]
	r.Name = rp.Rules[1].Name
	r.PublicNames = []string{"other.contoso.com"}
	rp.Rules = append(rp.Rules, r)
	if _, err := proxy.Generator.Generate(&artifact.Context{Plan: p}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("two rules of one name: %v", err)
	}
}
