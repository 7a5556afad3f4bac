# SCHEMA-001: a firewall rule named like a spreadsheet formula; in
# firewall/rules.csv a cell starting with '=', '+', '-' or '@' is run by
# the spreadsheet that opens it. Names start with a letter or digit.
# expect: SCHEMA-001 at topology.hcl:37:1
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

firewall_rule "=HYPERLINK(\"https://evil.example/\",\"details\")" {
  source      = ["internet"]
  destination = ["203.0.113.10"]
  protocol    = "tcp"
  ports       = [443]
}
