# PORT-001: the firewall rules are declared, so they are the firewall's
# whole policy, but the rule from the Internet to the reverse proxy opens
# only TCP 80. Every external web services, Autodiscover (lyncdiscover)
# and simple URL request arrives on TCP 443, so mobile clients outside
# cannot sign in.
# expect: PORT-001 at topology.hcl:43:3
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

firewall_rule "internet-to-rp" {
  source      = ["internet"]
  destination = ["203.0.113.10"]
  protocol    = "tcp"
  ports       = [80]
  direction   = "in"
}

firewall_rule "rp-to-pool" {
  source      = ["172.16.0.10"]
  destination = ["10.0.0.10"]
  protocol    = "tcp"
  ports       = [4443]
}

firewall_rule "wifi-to-web" {
  source      = ["wifi"]
  destination = ["10.0.0.10", "203.0.113.10"]
  protocol    = "tcp"
  ports       = [443]
}
