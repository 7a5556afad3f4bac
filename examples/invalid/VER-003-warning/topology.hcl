# VER-003 (warning): pool se01 is a new SfB Server 2019 pool on Windows
# Server 2022, which the SfB Server 2019 system requirements do not list;
# check that the CU you deploy supports it.
# expect: VER-003 at topology.hcl:25:5
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
    os   = "2022"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
