# HLB-005: the external web VIP uses cookie persistence with the MS-WSMAN
# cookie, but marks it HttpOnly; the web services must read it, so the
# cookie must not be HttpOnly. The hint names that clause, not the name.
# expect: HLB-005 at topology.hcl:77:7
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

pool "dir2010" {
  kind    = "director"
  version = "lync2010"
  fqdn    = "dir2010.contoso.net"
  site    = "HQ"

  web_external {
    fqdn = "dir2010web.contoso.com"
  }

  server "dir2010" {
    fqdn = "dir2010.contoso.net"
    ips  = ["10.0.0.50"]
    os   = "2008r2sp1"
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
    pool = "pool01"
    role = "web-external"
    ip   = "10.0.0.21"
    ports = [
      { front = 443, back = 4443 },
      { front = 80, back = 8080 },
      { front = 4443, back = 4443 },
    ]
    persistence = "cookie"

    cookie {
      name      = "MS-WSMAN"
      http_only = true
    }
  }
}
