# CERT-009 (warning variant): the reverse proxy certificate has a 1024-bit
# key. The length is supported, but it is weak; public CAs no longer issue
# such keys, so plan 2048 bits or more.
# expect: CERT-009 at topology.hcl:43:3
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
  usage    = ["RPListener"]
  subject  = "web.contoso.com"
  sans     = ["web.contoso.com", "lyncdiscover.contoso.com", "meet.contoso.com", "dialin.contoso.com"]
  issuer   = "public"
  key_bits = 1024
}
