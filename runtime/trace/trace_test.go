package trace_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mobplan/mobplan/internal/labstate"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/bundle"
	"github.com/mobplan/mobplan/runtime/supervisor"
	"github.com/mobplan/mobplan/runtime/trace"
)

// serve applies a topology folder (keys copied from the lab test keys
// when there are some) and serves it; it returns the lab's state folder.
func serve(t *testing.T, root string, allowErrors bool, keysOf string) string {
	t.Helper()
	if keysOf != "" {
		testtool.AddTestKeys(t, root, keysOf)
	}
	r := applytest.Apply(t, root, allowErrors)
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := supervisor.Start(ctx, supervisor.Options{
		Bundle:     bundle.Options{ArtifactsDir: r.ArtifactsDir, StateDir: filepath.Join(root, ".mobplan"), AllowErrors: allowErrors},
		RuntimeDir: filepath.Join(root, ".mobplan", "runtime"),
		AnyPort:    true,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); rt.Wait() })
	return filepath.Join(root, ".mobplan")
}

func copyExample(t *testing.T, name string) string {
	t.Helper()
	return testtool.CopyExample(t, name)
}

func walk(t *testing.T, state, sip, from, trust string) *trace.Result {
	t.Helper()
	info, err := addrmap.Read(filepath.Join(state, "runtime"))
	if err != nil {
		t.Fatal(err)
	}
	pw, err := labstate.ReadPasswords(state)
	if err != nil {
		t.Fatal(err)
	}
	return trace.Run(context.Background(), trace.Options{SIP: sip, Password: pw.Users[sip], From: from, Trust: trust, Runtime: info})
}

func describe(r *trace.Result) string {
	var b strings.Builder
	for _, s := range r.Steps {
		mark := "✓"
		if !s.OK {
			mark = "✗"
		}
		b.WriteString(mark + " " + s.Name + ": " + s.Got + " " + s.Rule + " " + s.Detail + "\n")
	}
	return b.String()
}

// Every user of every SIP domain signs in from both locations.
func TestTraceContoso(t *testing.T) {
	state := serve(t, copyExample(t, "contoso"), false, "contoso")
	for _, sip := range []string{"alice@contoso.com", "bob@fabrikam.com"} {
		for _, from := range []string{"internal", "external"} {
			r := walk(t, state, sip, from, "all")
			if !r.OK {
				t.Errorf("%s from %s:\n%s", sip, from, describe(r))
			}
			if !strings.Contains(describe(r), "UCWA applications URL") {
				t.Errorf("%s from %s did not reach the applications URL:\n%s", sip, from, describe(r))
			}
			if strings.Contains(describe(r), "UCWA application:") {
				t.Errorf("%s from %s: UCWA steps without Options.UCWA:\n%s", sip, from, describe(r))
			}
		}
	}
}

// With Options.UCWA, after sign-in: an application, makeMeAvailable, one
// P-GET, each served by a Front End of the user's pool. A request that
// reaches another Front End than the one holding the application fails
// with ApplicationNotFound, and the trace says affinity broke there; the
// lab's load balancer does not apply the planned persistence yet, so that
// outcome is accepted, and nothing else.
func TestTraceUCWA(t *testing.T) {
	state := serve(t, copyExample(t, "contoso"), false, "contoso")
	for _, sip := range []string{"alice@contoso.com", "bob@fabrikam.com"} {
		for _, from := range []string{"internal", "external"} {
			info, err := addrmap.Read(filepath.Join(state, "runtime"))
			if err != nil {
				t.Fatal(err)
			}
			pw, err := labstate.ReadPasswords(state)
			if err != nil {
				t.Fatal(err)
			}
			r := trace.Run(context.Background(), trace.Options{SIP: sip, Password: pw.Users[sip], From: from, Trust: "all", Runtime: info, UCWA: true})
			d := describe(r)
			if !strings.Contains(d, "UCWA application: 201") || !strings.Contains(d, "served by fe") {
				t.Errorf("%s from %s: no application created:\n%s", sip, from, d)
			}
			if r.OK {
				for _, step := range []string{"makeMeAvailable: 204", "event channel: 200", "delete the application: 204"} {
					if !strings.Contains(d, step) {
						t.Errorf("%s from %s: no step %q:\n%s", sip, from, step, d)
					}
				}
				continue
			}
			last := r.Steps[len(r.Steps)-1]
			if last.OK || !strings.Contains(last.Got, "ApplicationNotFound") || !strings.Contains(last.Detail, "did not keep this client on one Front End") {
				t.Errorf("%s from %s failed otherwise than by broken affinity:\n%s", sip, from, d)
			}
			for _, s := range r.Steps[:len(r.Steps)-1] {
				if !s.OK {
					t.Errorf("%s from %s: step %s failed:\n%s", sip, from, s.Name, d)
				}
			}
		}
	}
}

// failsAt asserts the trace fails, and that its first failure names rule.
func failsAt(t *testing.T, r *trace.Result, rule string) {
	t.Helper()
	if r.OK {
		t.Fatalf("the trace succeeded; want a failure under %s:\n%s", rule, describe(r))
	}
	for _, s := range r.Steps {
		if !s.OK {
			if s.Rule != rule {
				t.Errorf("first failure %q has rule %q, want %s:\n%s", s.Name, s.Rule, rule, describe(r))
			}
			return
		}
	}
}

// Autodiscover published over HTTP (RP-003): the first hop is HTTP, and
// the HTTPS attempt the client makes first is not a failure.
func TestTraceHTTPAutodiscover(t *testing.T) {
	state := serve(t, copyExample(t, "standard-edition"), false, "standard-edition")
	for _, from := range []string{"internal", "external"} {
		if r := walk(t, state, "dana@litware.com", from, "all"); !r.OK {
			t.Errorf("dana from %s:\n%s", from, describe(r))
		}
	}
}

// A web certificate from the internal CA fails on a phone that trusts
// only the public CA (CERT-008).
func TestTraceInternalCAWithPublicTrust(t *testing.T) {
	state := serve(t, copyExample(t, "contoso"), false, "contoso")
	failsAt(t, walk(t, state, "alice@contoso.com", "internal", "public"), "CERT-008")
}

// labUser adds a lab user to an invalid example's topology.
const labUser = `
user "dave@contoso.com" {
  pool         = "se01"
  lab_password = "lab-only-Passw0rd"
}
`

// invalid copies examples/invalid/<rule> with a lab user, applied with
// --allow-errors and served: the broken deployment, reproduced.
func invalid(t *testing.T, rule string) string {
	t.Helper()
	root := copyExample(t, "invalid/"+rule)
	f, err := os.OpenFile(filepath.Join(root, "topology.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(labUser)
	f.Close()
	return serve(t, root, true, "")
}

// Applied with --allow-errors, each broken plan fails where a real
// client would, naming the cause and the rule.
func TestTraceFailures(t *testing.T) {
	for _, c := range []struct{ rule, from string }{
		{"CERT-006", "external"}, // no lyncdiscover SAN on the reverse proxy certificate
		{"DNS-002", "internal"},  // no lyncdiscoverinternal record inside
		{"RP-007", "internal"},   // no hairpin, proxy on the firewall
	} {
		t.Run(c.rule, func(t *testing.T) {
			failsAt(t, walk(t, invalid(t, c.rule), "dave@contoso.com", c.from, "all"), c.rule)
		})
	}
	// The same plan without the fault is clean from both locations.
	state := serve(t, func() string {
		root := copyExample(t, "invalid/_base")
		f, _ := os.OpenFile(filepath.Join(root, "topology.hcl"), os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(labUser)
		f.Close()
		return root
	}(), false, "")
	for _, from := range []string{"internal", "external"} {
		if r := walk(t, state, "dave@contoso.com", from, "all"); !r.OK {
			t.Errorf("the base topology from %s:\n%s", from, describe(r))
		}
	}
}

// Behind a Director, each user is sent in band to the home pool (or the
// SBA's pool) and signs in there, from both locations.
func TestTraceRedirectToHomePool(t *testing.T) {
	state := serve(t, copyExample(t, "multisite"), false, "multisite")
	for _, sip := range []string{"marc@fabrikam.com", "lea@fabrikam.com", "hugo@fabrikam.com"} {
		for _, from := range []string{"internal", "external"} {
			r := walk(t, state, sip, from, "all")
			if !r.OK {
				t.Errorf("%s from %s:\n%s", sip, from, describe(r))
			}
			if !strings.Contains(describe(r), "user redirect") {
				t.Errorf("%s from %s: no in-band redirect to the home pool:\n%s", sip, from, describe(r))
			}
		}
	}
}

// A user whose effective mobility policy disables mobility is refused at
// sign-in, with the policy named.
func TestTraceMobilityDisabled(t *testing.T) {
	root := copyExample(t, "invalid/POL-001")
	p := filepath.Join(root, "topology.hcl")
	b, _ := os.ReadFile(p)
	b = []byte(strings.Replace(string(b), `mobility_policy = "NoMobile"`, `mobility_policy = "NoMobile"`+"\n  lab_password    = \"lab-only-Passw0rd\"", 1))
	os.WriteFile(p, b, 0o644)
	r := walk(t, serve(t, root, true, ""), "dave@contoso.com", "external", "all")
	failsAt(t, r, "POL-001")
	if !strings.Contains(describe(r), "NoMobile") {
		t.Errorf("the refusal does not name the policy:\n%s", describe(r))
	}
}

// --live traces a real deployment; the served lab stands in for one: DNS
// from the lab's external server (--dns), trust from the system store
// plus the lab's public CA (--ca-file), the planned public addresses
// reached through the lab's address map (the only part a real network
// would do instead). The walk is the external one's, step for step.
func TestTraceLive(t *testing.T) {
	state := serve(t, copyExample(t, "contoso"), false, "contoso")
	info, err := addrmap.Read(filepath.Join(state, "runtime"))
	if err != nil {
		t.Fatal(err)
	}
	pw, err := labstate.ReadPasswords(state)
	if err != nil {
		t.Fatal(err)
	}
	const sip = "alice@contoso.com"
	var mu sync.Mutex
	var dialed []string
	live := trace.Options{SIP: sip, Password: pw.Users[sip], From: "external", Live: true,
		DNSServer: info.DNS["external"], CAFiles: []string{info.CAs.Public},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			served, ok := info.Served("external", addr)
			if !ok {
				return nil, fmt.Errorf("%s is not a planned public address", addr)
			}
			return (&net.Dialer{}).DialContext(ctx, network, served)
		}}
	r := trace.Run(context.Background(), live)
	lab := walk(t, state, sip, "external", "public")
	if !r.OK || !lab.OK {
		t.Fatalf("live:\n%s\nlab:\n%s", describe(r), describe(lab))
	}
	mu.Lock()
	if len(dialed) == 0 || !strings.HasPrefix(dialed[0], "131.107.") {
		t.Errorf("live dialed %v; want the planned public addresses", dialed)
	}
	mu.Unlock()
	var names, labNames []string
	for _, s := range r.Steps {
		names = append(names, s.Name)
	}
	for _, s := range lab.Steps {
		labNames = append(labNames, s.Name)
	}
	if strings.Join(names, "\n") != strings.Join(labNames, "\n") {
		t.Errorf("live steps differ from the lab's:\n%s\nlab:\n%s", describe(r), describe(lab))
	}
	// Without the lab CA the system store does not trust the lab's
	// certificates: the TLS step fails, and says so.
	live.CAFiles = nil
	if r := trace.Run(context.Background(), live); r.OK || !strings.Contains(strings.ToLower(describe(r)), "tls") {
		t.Errorf("live without the lab CA:\n%s", describe(r))
	}
	// A CA file that holds no certificate is refused before any step.
	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not a certificate\n"), 0o644)
	live.CAFiles = []string{bad}
	if r := trace.Run(context.Background(), live); r.OK || len(r.Steps) != 1 || !strings.Contains(describe(r), "holds no certificate") {
		t.Errorf("live with a bad CA file:\n%s", describe(r))
	}
}

// messageTo traces sip's sign-in with UCWA and a message to the
// recipient, left in the background.
func messageTo(t *testing.T, state, sip, to, from string) *trace.Result {
	t.Helper()
	info, err := addrmap.Read(filepath.Join(state, "runtime"))
	if err != nil {
		t.Fatal(err)
	}
	pw, err := labstate.ReadPasswords(state)
	if err != nil {
		t.Fatal(err)
	}
	return trace.Run(context.Background(), trace.Options{SIP: sip, Password: pw.Users[sip], From: from, Trust: "all", Runtime: info, UCWA: true,
		MessageTo: to, MessageToPassword: pw.Users[to]})
}

func stepNamed(t *testing.T, r *trace.Result, name string) trace.Step {
	t.Helper()
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q:\n%s", name, describe(r))
	return trace.Step{}
}

// contoso plans push through its Edge: a message to a user whose app is
// in the background is pushed (the record the lab's admin endpoint
// keeps, through the Access Edge to the clearing house), the recipient
// returns, accepts and answers.
func TestTraceMessagePushed(t *testing.T) {
	t.Parallel()
	state := serve(t, copyExample(t, "contoso"), false, "contoso")
	r := messageTo(t, state, "alice@contoso.com", "bob@fabrikam.com", "external")
	if !r.OK {
		t.Fatalf("the trace failed:\n%s", describe(r))
	}
	push := stepNamed(t, r, "push notification to bob@fabrikam.com")
	if !strings.Contains(push.Got, "sip.contoso.com") || !strings.Contains(push.Got, "sipfed.online.lync.com → sip:push@push.lync.com") ||
		!strings.Contains(push.Got, "APNS") || !strings.Contains(push.Detail, `"mobplan trace: are you there?"`) || !strings.Contains(push.Detail, "sip:alice@contoso.com") {
		t.Errorf("push step %+v", push)
	}
	stepNamed(t, r, "recipient bob@fabrikam.com: UCWA application")
	stepNamed(t, r, "recipient bob@fabrikam.com: in the background")
	if s := stepNamed(t, r, "message round trip"); !strings.Contains(s.Got, `received "mobplan trace: received"`) {
		t.Errorf("round trip %+v", s)
	}
}

// standard-edition has no Edge, so no push: the message to a user in the
// background is missed (as planned, not a failure) and the recipient
// finds it in missedItems when it returns.
func TestTraceMessageMissed(t *testing.T) {
	t.Parallel()
	root := copyExample(t, "standard-edition")
	testtool.AddTestKeys(t, root, "standard-edition")
	f, err := os.OpenFile(filepath.Join(root, "topology.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\nuser \"erik@litware.com\" {\n  pool         = \"se01\"\n  lab_password = \"lab-only-Passw0rd\"\n}\n")
	f.Close()
	state := serve(t, root, false, "")
	r := messageTo(t, state, "dana@litware.com", "erik@litware.com", "internal")
	if !r.OK {
		t.Fatalf("the trace failed:\n%s", describe(r))
	}
	push := stepNamed(t, r, "push notification to erik@litware.com")
	if push.Rule != "" || !strings.Contains(push.Got, "the message was missed") || !strings.Contains(push.Got, "push notifications are not enabled") {
		t.Errorf("push step %+v", push)
	}
	if s := stepNamed(t, r, "recipient erik@litware.com: missed items"); s.Got != "1 missed conversation(s)" {
		t.Errorf("missed items %+v", s)
	}
}

// A plan with push whose path is broken (PUSH-004: push.lync.com is not
// an allowed domain), applied with --allow-errors: the message is
// missed, and the trace fails there naming the rule.
func TestTraceMessageMissedByRule(t *testing.T) {
	t.Parallel()
	root := copyExample(t, "invalid/PUSH-004")
	f, err := os.OpenFile(filepath.Join(root, "topology.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(labUser + "\nuser \"erin@contoso.com\" {\n  pool         = \"se01\"\n  lab_password = \"lab-only-Passw0rd\"\n}\n")
	f.Close()
	state := serve(t, root, true, "")
	r := messageTo(t, state, "dave@contoso.com", "erin@contoso.com", "internal")
	push := stepNamed(t, r, "push notification to erin@contoso.com")
	if r.OK || push.OK || push.Rule != "PUSH-004" || !strings.Contains(push.Got, "the message was missed") {
		t.Errorf("push step %+v:\n%s", push, describe(r))
	}
	if s := stepNamed(t, r, "recipient erin@contoso.com: missed items"); s.Got != "1 missed conversation(s)" {
		t.Errorf("missed items %+v", s)
	}
}
