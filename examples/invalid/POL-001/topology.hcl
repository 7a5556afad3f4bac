# POL-001: dave uses the mobile client (uses_mobility defaults to true), but
# he is granted the per-user policy NoMobile, which disables mobility: he
# cannot sign in from his phone.
# expect: POL-001 at topology.hcl:44:3
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

mobility_policy "NoMobile" {
  enable_mobility      = false
  enable_outside_voice = false
}

user "dave@contoso.com" {
  pool            = "se01"
  mobility_policy = "NoMobile"
}
