# DNS-003 (info): a pin-point internal zone makes the external Autodiscover
# name lyncdiscover.contoso.com resolve inside the network too. Tolerated
# (clients try lyncdiscoverinternal first), but ideally it is public only.
# expect: DNS-003 at topology.hcl:39:3
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

dns_zone "internal" "lyncdiscover.contoso.com" {
  kind = "pin-point"
  record "@" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
