# PUSH-007: push notifications are enabled for Windows Phone clients, and
# the public zone contoso.com is declared, but it has no
# _sipfederationtls._tcp SRV record: the push clearing house cannot find
# the Access Edge of contoso.com.
# expect: PUSH-007 at topology.hcl:73:1
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
    windows_phone = true
  }
  push {
    enabled = true
    mpns    = true
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

dns_zone "external" "contoso.com" {
  record "lyncdiscover" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "web" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "sip" {
    type   = "A"
    values = ["203.0.113.20"]
  }
  record "_sip._tls" {
    type   = "SRV"
    values = ["sip.contoso.com"]
    port   = 443
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
