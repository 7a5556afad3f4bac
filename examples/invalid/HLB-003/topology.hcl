# HLB-003: the external web services VIP forwards 443 -> 4443 and
# 80 -> 8080 but does not listen on 4443 itself, yet the reverse proxy
# bridges HTTPS traffic to the VIP's port 4443.
# expect: HLB-003 at topology.hcl:51:5
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "pool01" {
  kind = "fe-ee"
  fqdn = "pool01.contoso.net"
  site = "HQ"

  web_internal {
    fqdn = "webint.contoso.net"
    vip  = "10.0.0.20"
  }
  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.21"
  }

  server "fe01" {
    fqdn = "fe01.contoso.net"
    ips  = ["10.0.0.11"]
    os   = "2012r2"
  }
  server "fe02" {
    fqdn = "fe02.contoso.net"
    ips  = ["10.0.0.12"]
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

load_balancer "hlb" {
  vip "web-ext" {
    pool  = "pool01"
    role  = "web-external"
    ip    = "10.0.0.21"
    ports = [{ front = 443, back = 4443 }, { front = 80, back = 8080 }]
  }
}
