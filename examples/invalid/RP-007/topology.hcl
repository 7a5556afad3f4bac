# RP-007: mobile clients use the internal Wi-Fi, hairpin is not allowed on
# the network, and the reverse proxy is the firewall itself: Wi-Fi clients
# cannot reach the external web services FQDN through it.
# expect: RP-007 at topology.hcl:30:3
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
  internal_ip            = "172.16.0.10"
  separate_from_firewall = false

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
