# VER-006: the only pool runs Skype for Business Server 2019, which has
# no MCX service, yet the topology sets an mcx attribute; the hint says to
# remove the setting, not to upgrade clients.
# expect: VER-006 at topology.hcl:39:3
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "se01" {
  kind    = "fe-se"
  fqdn    = "se01.contoso.net"
  site    = "HQ"
  version = "sfb2019"

  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.10"
  }

  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.10"]
    os   = "2019"
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
  session_expiration_interval = 86400
}
