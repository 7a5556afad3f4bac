# TOPO-006: pool se01 stays on Lync Server 2010, so the Lync 2010 mobility
# rules (cookie persistence on its external web VIP, MCX and its ports)
# still apply: plan the coexistence or retire the pool.
# expect: TOPO-006 at topology.hcl:15:3
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "se01" {
  kind    = "fe-se"
  fqdn    = "se01.contoso.net"
  site    = "HQ"
  version = "lync2010"

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
}
