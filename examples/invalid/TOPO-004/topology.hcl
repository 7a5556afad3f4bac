# TOPO-004: the Standard Edition server has two NICs and collocated Mediation,
# but its services are not bound to specific IP addresses
# (services_bound_to_ips is false): multi-homed Front Ends are then
# unsupported.
# expect: TOPO-004 at topology.hcl:24:3
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"

  collocated_mediation = true

  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.10"
  }

  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.10"]
    os   = "2012r2"
    nics = 2
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
