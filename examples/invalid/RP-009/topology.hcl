# RP-009 (warning): the reverse proxy balances the Front End servers itself
# (a server farm) with cookie persistence, which only works with forms-based
# authentication; mobile clients then bounce between Front End servers.
# expect: RP-009 at topology.hcl:52:7
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "pool01" {
  kind = "fe-ee"
  fqdn = "pool01.contoso.net"
  site = "HQ"

  web_internal {
    fqdn = "webint.contoso.net"
    vip  = "10.0.0.20"
  }
  web_external {
    fqdn = "web.contoso.com"
    vip  = "10.0.0.21"
  }

  server "fe01" {
    fqdn = "fe01.contoso.net"
    ips  = ["10.0.0.11"]
    os   = "2012r2"
  }
  server "fe02" {
    fqdn = "fe02.contoso.net"
    ips  = ["10.0.0.12"]
    os   = "2012r2"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }

  rule "web" {
    public_names = ["web.contoso.com", "lyncdiscover.contoso.com"]
    listeners    = ["https"]
    target       = "pool01-farm"

    farm {
      servers     = ["fe01.contoso.net", "fe02.contoso.net"]
      persistence = "cookie"
    }
  }
}
