# VER-002: the SfB Server 2015 server runs Windows Server 2016, which needs
# CU5 or later, but the deployment is at CU3.
# expect: VER-002 at topology.hcl:7:1
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"
cu          = "CU3"

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
    os   = "2016"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
