# DNS-007: the internal zone resolves se01.contoso.net, the internal web
# services FQDN of the Standard Edition server, to a wrong address (a
# typo: 10.0.0.11 instead of the server's 10.0.0.10).
# expect: DNS-007 at topology.hcl:40:15
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

dns_zone "internal" "contoso.net" {
  record "se01" {
    type   = "A"
    values = ["10.0.0.11"]
  }
}
