# CERT-003: the external web services certificate of se01 lacks the
# external web services FQDN web.contoso.com, the name the reverse proxy
# (and every mobile client through it) connects to on port 4443.
# expect: CERT-003 at topology.hcl:41:3
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

certificate "se01-web-external" {
  usage       = ["WebServicesExternal"]
  assigned_to = ["se01"]
  subject     = "se01.contoso.net"
  sans        = ["se01.contoso.net", "lyncdiscover.contoso.com", "meet.contoso.com", "dialin.contoso.com"]
  issuer      = "internal"
}
