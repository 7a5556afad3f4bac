# CERT-001: the Default certificate of the Standard Edition server se01 has
# the external web services FQDN as subject. The Default certificate must
# name the pool (here the server itself, se01.contoso.net): servers and
# clients match the pool FQDN against the subject for SIP/TLS.
# expect: CERT-001 at topology.hcl:41:3
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

certificate "se01-default" {
  usage       = ["Default"]
  assigned_to = ["se01.contoso.net"]
  subject     = "web.contoso.com"
  sans        = ["se01.contoso.net", "web.contoso.com"]
  issuer      = "internal"
}
