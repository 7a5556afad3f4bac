# HLB-001: pool01 is an Enterprise Edition pool, but its internal web
# services have no VIP (web_internal.vip). DNS load balancing only covers
# SIP; clients' HTTPS traffic to the web services needs a load balancer VIP.
# expect: HLB-001 at topology.hcl:16:3
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
