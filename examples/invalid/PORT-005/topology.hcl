# PORT-005: Lync 2010 Mobile runs on iOS devices with push notifications,
# and those devices are on the corporate Wi-Fi. APNS reaches them over a
# connection the device opens to TCP 5223 on the Internet, but the
# declared Wi-Fi rule to the Internet opens only 80 and 443. (Declared
# firewall rules are the firewall's whole policy, so the others open what
# the rest of the design needs: reverse proxy, Wi-Fi, Edge.)
# expect: PORT-005 at topology.hcl:133:3
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
  internal_fqdn = "edge.contoso.net"
  access_fqdn   = "sip.contoso.com"
  webconf_fqdn  = "webconf.contoso.com"
  av_fqdn       = "av.contoso.com"

  server "edge1" {
    fqdn        = "edge1.contoso.net"
    internal_ip = "172.16.1.10"
    access_ip   = "203.0.113.20"
    webconf_ip  = "203.0.113.21"
    av_ip       = "203.0.113.22"
  }
}

mobility {
  clients {
    ios             = true
    lync2010_mobile = true
  }
  push {
    enabled = true
    apns    = true
  }
}

federation {
  hosting_provider "SkypeOnline" {
    proxy_fqdn = "sipfed.online.lync.com"
  }
  allowed_domains = ["push.lync.com"]
  access_edge {
    allow_federated_users = true
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
  protocol    = "tcp+udp"
  ports       = [443, 3478]
}

firewall_rule "edge-federation" {
  source      = ["203.0.113.20"]
  destination = ["internet"]
  protocol    = "tcp"
  ports       = [5061]
  direction   = "both"
}

firewall_rule "edge-outbound" {
  source      = ["203.0.113.20"]
  destination = ["any"]
  protocol    = "tcp+udp"
  ports       = [53, 80]
  direction   = "out"
}

firewall_rule "pool-edge" {
  source      = ["10.0.0.10"]
  destination = ["172.16.1.10"]
  protocol    = "tcp"
  ports       = [5061, 4443]
  direction   = "both"
}

firewall_rule "wifi-to-internet" {
  source      = ["wifi"]
  destination = ["internet"]
  protocol    = "tcp"
  ports       = [80, 443]
}
