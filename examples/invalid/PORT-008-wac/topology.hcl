# PORT-008: Windows Admin Center on the Standard Edition server listens on
# TCP 4443, the pool's external web services port; the external web site
# (and every request the reverse proxy bridges to it) then fails.
# expect: PORT-008 at topology.hcl:26:5
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

    windows_admin_center_port = 4443
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}
