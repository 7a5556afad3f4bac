# RP-001: the web services rule bridges HTTPS to port 443 of the pool; the
# external web services listen on 4443 (443 is the internal web site, with
# different authentication), so the rule must bridge 443 -> 4443. A wrong
# port is the rule's configuration, reported under RP-001 with its hint.
# expect: RP-001 at topology.hcl:41:5
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

  rule "web" {
    public_names    = ["web.contoso.com", "lyncdiscover.contoso.com"]
    listeners       = ["https"]
    target          = "10.0.0.10"
    back_https_port = 443
  }
}
