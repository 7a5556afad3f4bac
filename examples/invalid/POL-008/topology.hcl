# POL-008: the MCX session expiration interval (1 hour) is not longer than
# the short expiration interval (2 hours); Set-CsMcxConfiguration requires
# SessionExpirationInterval > SessionShortExpirationInterval.
# expect: POL-008 at topology.hcl:38:3
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

mcx {
  session_expiration_interval       = 3600
  session_short_expiration_interval = 7200
}
