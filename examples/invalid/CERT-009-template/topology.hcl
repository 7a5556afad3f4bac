# CERT-009: the Default certificate asks the enterprise CA for Server
# Authentication only, but pki names for the Default usage the template
# WebServerClientAuth, which issues Server and Client Authentication: the
# issued certificate would not carry what the request asks for.
# expect: CERT-009 at topology.hcl:50:3
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

pki {
  template = {
    Default = "WebServerClientAuth"
  }
}

certificate "se01-default" {
  usage       = ["Default"]
  assigned_to = ["se01"]
  subject     = "se01.contoso.net"
  sans        = ["se01.contoso.net"]
  issuer      = "internal"
  eku         = ["server-auth"]
}
