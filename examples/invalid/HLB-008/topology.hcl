# HLB-008 (warning): the reverse proxy's HTTPS listener does not accept
# TLS 1.2, which current iOS mobile clients require.
# expect: HLB-008 at topology.hcl:33:5
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
    ip    = "203.0.113.10"
    port  = 443
    tls12 = false
  }
}
