# CERT-005: the reverse proxy listener presents a certificate from the
# internal CA. Mobile devices on the Internet do not trust it, so
# Autodiscover and UCWA fail before any request reaches the pool.
# expect: CERT-005 at topology.hcl:42:3
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
    ip          = "203.0.113.10"
    port        = 443
    certificate = "rp"
  }
}

certificate "rp" {
  usage   = ["RPListener"]
  subject = "web.contoso.com"
  sans    = ["web.contoso.com", "lyncdiscover.contoso.com", "meet.contoso.com", "dialin.contoso.com"]
  issuer  = "internal"
}
