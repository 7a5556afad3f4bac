# TOPO-003: mobility is enabled but the topology has no reverse proxy: all
# Mobility/UCWA traffic, inside and outside, goes through one.
# expect: TOPO-003 at topology.hcl:28:3
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

mobility {
  enabled = true
}
