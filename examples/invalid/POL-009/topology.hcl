# POL-009: gina signs in with SIP address gina@contoso.com, but her UPN is
# gina.m@contoso.net: the mobile client will ask her for a user name too,
# so she must be told what to type.
# expect: POL-009 at topology.hcl:39:3
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

user "gina@contoso.com" {
  pool = "se01"
  upn  = "gina.m@contoso.net"
}
