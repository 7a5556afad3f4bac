# CERT-002 with the default simple URLs: the topology declares none, so
# meetings are at https://meet.contoso.com and dial-in at
# https://dialin.contoso.com (what DNS, the reverse proxy and derived
# certificates get), and the declared internal web services certificate
# of se01 lacks meet.contoso.com.
# expect: CERT-002 at topology.hcl:43:3
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
  sans        = ["se01.contoso.net", "dialin.contoso.com", "lyncdiscoverinternal.contoso.com"]
  issuer      = "public"
}
