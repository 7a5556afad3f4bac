# DNS-006 (warning): inside the network, the external web services FQDN
# web.contoso.com resolves to an address that is not a reverse proxy
# listener (here the firewall's public address), so internal mobile
# clients may not reach the reverse proxy.
# expect: DNS-006 at topology.hcl:42:15
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

dns_zone "internal" "web.contoso.com" {
  kind = "pin-point"
  record "@" {
    type   = "A"
    values = ["198.51.100.7"]
  }
}
