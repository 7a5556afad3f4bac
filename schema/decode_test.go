package schema_test

import (
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
)

// TestDecodeContoso: the typed view carries the user's values and the
// schema's documented defaults.
func TestDecodeContoso(t *testing.T) {
	c, err := loader.Load("../examples/contoso", loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		t.Fatalf("contoso has errors: %v", c.Diagnostics)
	}
	m, err := c.Result.Model()
	if err != nil {
		t.Fatal(err)
	}
	p := m.Pools["pool01"]
	if p.Name != "pool01" || p.WebExternal.FQDN != "webext.contoso.com" || len(p.Servers) != 3 {
		t.Errorf("pool01 = %+v", p)
	}
	// Defaults from the schema.
	if p.Ports.ExternalHTTPS != 4443 || p.Ports.UCWASIPExternal != 5088 || p.Ports.UCWASIPPrimary != 5089 {
		t.Errorf("default ports = %+v", p.Ports)
	}
	if m.MCX.SessionExpirationInterval != 259200 || m.Mobility.AutodiscoverScheme != "https" {
		t.Errorf("defaults: mcx %+v, mobility %+v", m.MCX, m.Mobility)
	}
	if got := m.Users["carol@contoso.com"]; got.MobilityPolicy != "NoMobility" || got.UsesMobility {
		t.Errorf("carol = %+v", got)
	}
	pol := m.MobilityPolicies["NoMobility"]
	if pol.EnableMobility == nil || *pol.EnableMobility || pol.EnableIPAudioVideo != nil {
		t.Errorf("NoMobility = %+v (unset parameters must stay unset)", pol)
	}
	if target, ok := m.AutodiscoverTarget(); !ok || target.Name != "pool01" {
		t.Errorf("Autodiscover target = %v", target.Name)
	}
	if m.PoolVersion(p) != "sfb2019" || p.WebInternalFQDN() != "webint.contoso.net" {
		t.Errorf("effective version/web name wrong")
	}
}
