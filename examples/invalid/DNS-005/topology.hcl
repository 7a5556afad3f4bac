# DNS-005: the public record of the external web services FQDN
# web.contoso.com points at the server's internal address instead of the
# reverse proxy listener, so clients on the Internet cannot reach it.
# expect: DNS-005 at topology.hcl:44:15
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

dns_zone "external" "contoso.com" {
  record "lyncdiscover" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "web" {
    type   = "A"
    values = ["10.0.0.10"]
  }
  record "meet" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "dialin" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
