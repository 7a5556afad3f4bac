# CERT-011: the external certificate of the Edge pool comes from the
# internal CA. Federation partners and the Office 365 push clearing house
# (sipfed.online.lync.com) do not trust it, so push notifications fail.
# expect: CERT-011 at topology.hcl:57:3
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

edge_pool "edge" {
  internal_fqdn = "edge.contoso.net"
  access_fqdn   = "sip.contoso.com"
  webconf_fqdn  = "webconf.contoso.com"
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
}

certificate "edge-external" {
  usage       = ["EdgeExternal"]
  assigned_to = ["edge"]
  subject     = "sip.contoso.com"
  sans        = ["sip.contoso.com", "webconf.contoso.com"]
  issuer      = "internal"
}
