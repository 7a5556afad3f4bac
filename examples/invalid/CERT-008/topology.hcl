# CERT-008: mobile devices use the corporate Wi-Fi (internal_wifi defaults
# to true) and find Autodiscover at lyncdiscoverinternal, served by se01's
# internal web services certificate from the internal CA. Devices that do
# not trust that root (iOS: "can't verify the certificate") cannot sign in.
# expect: CERT-008 at topology.hcl:43:3
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

certificate "se01-web-internal" {
  usage       = ["WebServicesInternal"]
  assigned_to = ["se01.contoso.net"]
  subject     = "se01.contoso.net"
  sans        = ["se01.contoso.net", "lyncdiscoverinternal.contoso.com", "meet.contoso.com", "dialin.contoso.com"]
  issuer      = "internal"
}
