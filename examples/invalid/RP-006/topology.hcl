# RP-006 (warning): push notifications are enabled but the web services
# rule times out idle connections after 300 seconds; the Office 365 push
# time-out is 900 seconds, so the reverse proxy needs at least 960.
# expect: RP-006 at topology.hcl:82:5
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

mobility {
  clients {
    windows_phone = true
  }

  push {
    enabled = true
    apns    = true
    mpns    = true
  }
}

federation {
  hosting_provider "SkypeOnline" {
    proxy_fqdn         = "sipfed.online.lync.com"
    verification_level = "UseSourceVerification"
  }
  allowed_domains = ["push.lync.com"]

  access_edge {
    allow_federated_users = true
    routing               = "dns-srv"
  }
}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"

  edge_pool = "edge"

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

edge_pool "edge" {
  internal_fqdn = "edge.contoso.net"
  access_fqdn   = "sip.contoso.com"
  webconf_fqdn  = "webcon.contoso.com"
  av_fqdn       = "av.contoso.com"

  server "edge01" {
    fqdn        = "edge01.contoso.net"
    internal_ip = "172.16.1.10"
    access_ip   = "203.0.113.20"
    webconf_ip  = "203.0.113.21"
    av_ip       = "203.0.113.22"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }

  rule "web" {
    public_names = ["web.contoso.com", "lyncdiscover.contoso.com"]
    listeners    = ["https"]
    target       = "10.0.0.10"
    idle_timeout = 300
  }
}
