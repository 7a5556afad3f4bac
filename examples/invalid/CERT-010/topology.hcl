# CERT-010: the certificate of the branch appliance sba01 lacks
# sip.contoso.com. Clients at the branch sign in through the appliance when
# the WAN is down and match sip.<SIP domain> against its certificate.
# expect: CERT-010 at topology.hcl:47:3
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

sba "branch1" {
  fqdn = "sba01.contoso.net"
  site = "HQ"
  pool = "se01"
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
}

certificate "sba01" {
  usage       = ["SBA"]
  assigned_to = ["branch1"]
  subject     = "sba01.contoso.net"
  sans        = ["sba01.contoso.net"]
  issuer      = "internal"
}
