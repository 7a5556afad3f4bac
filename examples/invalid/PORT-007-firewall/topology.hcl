# PORT-007: a user is homed on a Survivable Branch Appliance, and the
# declared firewall rules (the firewall's whole policy) let the SBA reach
# the pool's UCWA SIP external listening port (5088) but not the primary
# one (5089); users homed on the SBA then cannot use mobility.
# expect: PORT-007 at topology.hcl:75:3
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
  ports       = [443]
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

sba "branch" {
  fqdn = "sba1.contoso.net"
  ip   = "10.0.5.10"
  site = "HQ"
  pool = "se01"
}

user "hugo@contoso.com" {
  sba = "branch"
}

firewall_rule "sba-to-pool" {
  source      = ["10.0.5.10"]
  destination = ["10.0.0.10"]
  protocol    = "tcp"
  ports       = [5088]
}
