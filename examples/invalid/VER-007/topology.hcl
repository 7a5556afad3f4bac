# VER-007: the Edge pool the mobile clients use is a Lync Server 2010 Edge;
# SfB mobility needs a Skype for Business Server or Lync Server 2013 Edge.
# expect: VER-007 at topology.hcl:37:3
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
  version       = "lync2010"
  site          = "HQ"
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
