# CERT-001 (warning variant): client policy enforces strict DNS name
# matching for auto-logon, so the Default certificate of the sign-in pool
# se01 must also carry sip.contoso.com; without it, clients that find the
# pool through sip.contoso.com refuse the certificate and stop signing in.
# expect: CERT-001 at topology.hcl:46:3
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

mobility {
  strict_dns_autologon = true
}

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
  subject     = "se01.contoso.net"
  sans        = ["se01.contoso.net"]
  issuer      = "internal"
}
