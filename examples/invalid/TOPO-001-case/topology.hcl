# TOPO-001: the external web services FQDN differs from the internal one
# (the pool FQDN) only in letter case; DNS names compare case-insensitively,
# so both are the same name (the internal zone would give it two A records).
# expect: TOPO-001 at topology.hcl:18:5
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"

  web_external {
    vip  = "10.0.0.10"
    fqdn = "SE01.Contoso.net"
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
