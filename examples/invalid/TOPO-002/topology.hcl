# TOPO-002: pools se01 and se02 both use web.contoso.com for their external
# web services; each pool needs its own external web FQDN, or the reverse
# proxy cannot send a request to the right pool.
# expect: TOPO-002 at topology.hcl:34:5
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

pool "se02" {
  kind = "fe-se"
  fqdn = "se02.contoso.net"
  site = "HQ"

  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.20"
  }

  server "se02" {
    fqdn = "se02.contoso.net"
    ips  = ["10.0.0.20"]
    os   = "2012r2"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
