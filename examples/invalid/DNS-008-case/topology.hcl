# DNS-008: pool01 balances SIP by DNS; its internal web services FQDN is
# "overridden" with the pool FQDN in other letter case, which is the same
# DNS name, so it is not overridden: internal web traffic cannot reach the
# internal web VIP.
# expect: DNS-008 at topology.hcl:19:5
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "pool01" {
  kind   = "fe-ee"
  fqdn   = "pool01.contoso.net"
  site   = "HQ"
  sip_lb = "dns"

  web_internal {
    fqdn = "Pool01.contoso.NET"
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
