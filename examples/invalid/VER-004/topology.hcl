# VER-004: the server is said to run IIS 8.0, but Windows Server 2012 R2
# ships IIS 8.5: the server inventory is wrong or the OS is.
# expect: VER-004 at topology.hcl:24:5
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
    fqdn        = "se01.contoso.net"
    ips         = ["10.0.0.10"]
    os          = "2012r2"
    iis_version = "8.0"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
