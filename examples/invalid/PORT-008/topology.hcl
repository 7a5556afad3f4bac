# PORT-008: the pool's UCWA SIP primary listening port is set to 5088,
# which the UCWA SIP external listening port already uses (its default);
# two services cannot listen on the same port of a server.
# expect: PORT-008 at topology.hcl:22:5
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

  ports {
    ucwa_sip_primary = 5088
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
