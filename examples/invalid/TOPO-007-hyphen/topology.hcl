# TOPO-007 (warning): the meet URL's host has a hyphen. The simple URLs
# page limits the characters to letters, digits and dots and says other
# URLs "might not work as expected": a warning, not an error.
# expect: TOPO-007 at topology.hcl:40:5
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

simple_urls {
  meet {
    domain = "contoso.com"
    url    = "https://meet-now.contoso.com"
  }
  dialin {
    url = "https://dialin.contoso.com"
  }
}
