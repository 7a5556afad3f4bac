# PORT-003: mobile clients use the internal Wi-Fi (the default), and the
# declared firewall rules let the Wi-Fi reach the internal web services
# but not the reverse proxy's public listener. Autodiscover hands internal
# clients the external web services URL too, so they must hairpin through
# the reverse proxy.
# expect: PORT-003 at topology.hcl:56:3
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

firewall_rule "internet-to-rp" {
  source      = ["internet"]
  destination = ["203.0.113.10"]
  protocol    = "tcp"
  ports       = [443]
  direction   = "in"
}

firewall_rule "rp-to-pool" {
  source      = ["172.16.0.10"]
  destination = ["10.0.0.10"]
  protocol    = "tcp"
  ports       = [4443]
}

firewall_rule "wifi-to-web" {
  source      = ["wifi"]
  destination = ["10.0.0.10"]
  protocol    = "tcp"
  ports       = [443]
}
