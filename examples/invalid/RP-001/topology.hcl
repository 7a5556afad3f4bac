# RP-001: the reverse proxy declares its publishing rules, but no rule
# publishes web.contoso.com, the external web services FQDN of se01: the
# Mobility (UCWA) URL handed out by Autodiscover is unreachable.
# expect: RP-001 at topology.hcl:28:1
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

  rule "autodiscover" {
    public_names = ["lyncdiscover.contoso.com"]
    listeners    = ["https"]
    target       = "10.0.0.10"
  }
}
