# HLB-006 (warning): the internal web services VIP drops idle TCP
# connections after 300 seconds; the web services expect an idle timeout of
# 1800 seconds, or long-lived client connections are cut.
# expect: HLB-006 at topology.hcl:52:5
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
  vip "web-int" {
    pool         = "pool01"
    role         = "web-internal"
    ip           = "10.0.0.20"
    ports        = [{ front = 443, back = 443 }, { front = 80, back = 80 }]
    idle_timeout = 300
  }
}
