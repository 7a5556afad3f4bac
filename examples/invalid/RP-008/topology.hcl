# RP-008: the web services rule is published over HTTPS but reaches the
# pool over plain HTTP (TLS offloaded at the proxy); the reverse proxy must
# talk TLS to the pool's external HTTPS port 4443.
# expect: RP-008 at topology.hcl:40:5
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"

  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.10"
  }

  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.10"]
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
    public_names = ["web.contoso.com", "lyncdiscover.contoso.com"]
    listeners    = ["https"]
    target       = "10.0.0.10"
    back_scheme  = "http"
  }
}
