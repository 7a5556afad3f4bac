# CERT-006 from an inspected certificate file: the reverse proxy listener
# certificate is given as rp.pem (a self-signed test certificate, no key),
# with web.contoso.com and the default meet and dial-in hosts as SANs. mobplan
# reads subject, SANs, EKU, key length, signature and CRL distribution point
# from the file; the missing SAN lyncdiscover.contoso.com breaks Autodiscover.
# expect: CERT-006 at topology.hcl:43:3
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
  usage  = ["RPListener"]
  issuer = "public" # the file does not say whether its CA is public
  file   = "rp.pem"
}
