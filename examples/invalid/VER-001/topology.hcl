# VER-001: the Lync Server 2013 server runs Windows Server 2016, which Lync
# Server 2013 does not support (2008 R2 SP1, 2012 and 2012 R2 only).
# expect: VER-001 at topology.hcl:25:5
version     = "lync2013"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

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
    os   = "2016"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
