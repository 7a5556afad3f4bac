package schema

import (
	"strings"
	"testing"
)

// TestBridgingNamesPoolsByName: when a rule's target reaches two pools
// (here one address is a server of ab01 and the internal VIP of se01),
// RP-001 names them, and takes the first one's port, in the order of
// their names, not in the order CUE happened to gather them.
func TestBridgingNamesPoolsByName(t *testing.T) {
	_, res := checkHCL(t, `
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "ab01" {
  kind = "fe-se"
  fqdn = "ab01.contoso.net"
  site = "HQ"
  ports {
    external_https = 4444
  }
  server "ab01" {
    fqdn = "ab01.contoso.net"
    ips  = ["10.0.0.10"]
    os   = "2012r2"
  }
}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"
  web_internal {
    vip = "10.0.0.10"
  }
  web_external {
    fqdn = "web.contoso.com"
  }
  ports {
    external_https = 4443
  }
  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.11"]
    os   = "2012r2"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"
  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
  rule "web" {
    public_names    = ["web.contoso.com", "lyncdiscover.contoso.com"]
    listeners       = ["https"]
    target          = "10.0.0.10"
    back_https_port = 443
  }
}
`)
	const want = "it must bridge to 4444, the external HTTPS port of ab01, se01."
	for _, d := range res.Diagnostics {
		if d.Rule == "RP-001" && strings.Contains(d.Detail, "bridges HTTPS") {
			if !strings.Contains(d.Detail, want) {
				t.Errorf("RP-001 says %q, want it to end %q", d.Detail, want)
			}
			return
		}
	}
	t.Fatalf("no RP-001 on the bridging: %v", res.Diagnostics)
}
