# VER-009 (info): a Skype for Business Server 2019 design. Nothing is wrong:
# the note says the SfB Server 2015 Planning Tool does not support such
# designs, and mobplan's reports replace it.
# expect: VER-009 at topology.hcl:5:1
version     = "sfb2019"
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
