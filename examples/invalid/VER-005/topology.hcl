# VER-005: the Lync Server 2013 deployment is at the October 2012 CU; UCWA,
# which the iOS and Android clients use, arrived with the February 2013 CU.
# expect: VER-005 at topology.hcl:7:1
version     = "lync2013"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"
cu          = "2012-10"

site "HQ" {}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"

  ucwa_recycle_workaround = true

  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.10"
  }

  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.10"]
    os   = "2012"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
