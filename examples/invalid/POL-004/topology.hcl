# POL-004: frank (not Enterprise Voice) uses Click to Join, which makes the
# server call him back over the PSTN. The only voice policy that applies to
# him, the global one, has no PSTN usage, so the call cannot be placed.
# expect: POL-004 at topology.hcl:37:1
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
}

voice_policy "global" {
  exists = true
}

user "frank@contoso.com" {
  pool          = "se01"
  click_to_join = true
}
