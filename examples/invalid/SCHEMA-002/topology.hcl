# SCHEMA-002: dave is granted the mobility policy "MobileUser", but the
# topology declares "MobileUsers": every reference (a user's pool, SBA or
# policy, a pool's site, a listener's certificate ...) names a declared block.
# expect: SCHEMA-002 at topology.hcl:44:3
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

mobility_policy "MobileUsers" {
  enable_mobility      = true
  enable_outside_voice = true
}

user "dave@contoso.com" {
  pool            = "se01"
  mobility_policy = "MobileUser"
}
