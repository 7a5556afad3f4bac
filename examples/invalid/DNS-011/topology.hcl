# DNS-011: the AD domain is a single-label name ("contoso"), which Skype
# for Business Server does not support; a domain cannot be renamed after
# installation.
# expect: DNS-011 at topology.hcl:7:1
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso"

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
