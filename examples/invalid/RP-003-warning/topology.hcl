# RP-003 (warning): Autodiscover is published over HTTP on port 80, which
# is supported and correctly configured here, but not recommended: the
# first request of every mobile client travels in clear text.
# expect: RP-003 at topology.hcl:12:3
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

mobility {
  autodiscover_scheme = "http"
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
  listener "http" {
    ip   = "203.0.113.10"
    port = 80
  }

  rule "web" {
    public_names = ["web.contoso.com"]
    listeners    = ["https"]
    target       = "10.0.0.10"
  }
  rule "autodiscover" {
    public_names = ["lyncdiscover.contoso.com"]
    listeners    = ["http"]
    target       = "10.0.0.10"
    back_scheme  = "http"
  }
}
