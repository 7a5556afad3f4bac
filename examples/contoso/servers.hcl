locals {
  fe_subnet = "192.168.21.0/24"
}

pool "pool01" {
  kind      = "fe-ee"
  fqdn      = "pool01.contoso.net"
  site      = site.Redmond.name
  sip_lb    = "dns"
  edge_pool = edge_pool.edge.name

  web_internal {
    fqdn = "webint.contoso.net" # overridden: required with DNS load balancing
    vip  = cidrhost(local.fe_subnet, 120)
  }
  web_external {
    fqdn = "webext.contoso.com"
    vip  = cidrhost(local.fe_subnet, 121)
  }

  server "fe01" {
    fqdn = "fe01.contoso.net"
    ips  = [cidrhost(local.fe_subnet, 122)]
    os   = "2019"
  }
  server "fe02" {
    fqdn = "fe02.contoso.net"
    ips  = [cidrhost(local.fe_subnet, 123)]
    os   = "2019"
  }
  server "fe03" {
    fqdn = "fe03.contoso.net"
    ips  = [cidrhost(local.fe_subnet, 124)]
    os   = "2019"
  }
}

edge_pool "edge" {
  version       = "sfb2019"
  site          = "Redmond"
  internal_fqdn = "edgepool.contoso.net"
  access_fqdn   = "sip.contoso.com"
  webconf_fqdn  = "webcon.contoso.com"
  av_fqdn       = "av.contoso.com"
  internal_lb   = "dns"
  external_lb   = "dns"

  server "edge01" {
    fqdn        = "edge01.contoso.net"
    internal_ip = "172.25.33.10"
    access_ip   = "131.107.155.10"
    webconf_ip  = "131.107.155.20"
    av_ip       = "131.107.155.30"
  }
  server "edge02" {
    fqdn        = "edge02.contoso.net"
    internal_ip = "172.25.33.11"
    access_ip   = "131.107.155.11"
    webconf_ip  = "131.107.155.21"
    av_ip       = "131.107.155.31"
  }
}

reverse_proxy "rp" {
  internal_ip            = "172.25.34.10"
  separate_from_firewall = true

  listener "https" {
    ip   = "131.107.155.1"
    port = 443
  }
}
