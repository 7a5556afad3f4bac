# PORT-004: mobile clients on the internal Wi-Fi relay audio and video
# through the A/V Edge's external address, but the declared rule from the
# Wi-Fi to it is TCP only, so UDP 3478 (STUN/TURN) is blocked and media
# falls back or fails. (The Edge pool has federation turned off so that
# the federation ports, PORT-006, are not part of this example; the other
# declared rules open what the reverse proxy and the Wi-Fi need.)
# expect: PORT-004 at topology.hcl:81:3
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

edge_pool "edge" {
  internal_fqdn      = "edge.contoso.net"
  access_fqdn        = "sip.contoso.com"
  webconf_fqdn       = "webconf.contoso.com"
  av_fqdn            = "av.contoso.com"
  federation_enabled = false

  server "edge1" {
    fqdn        = "edge1.contoso.net"
    internal_ip = "172.16.1.10"
    access_ip   = "203.0.113.20"
    webconf_ip  = "203.0.113.21"
    av_ip       = "203.0.113.22"
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
  destination = ["10.0.0.10", "203.0.113.10"]
  protocol    = "tcp"
  ports       = [443]
}

firewall_rule "wifi-to-av" {
  source      = ["wifi"]
  destination = ["203.0.113.22"]
  protocol    = "tcp"
  ports       = [443, 3478]
}
