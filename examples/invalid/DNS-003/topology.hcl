# DNS-003: the public zone publishes lyncdiscoverinternal.contoso.com, the
# internal Autodiscover name; it should resolve only inside the network.
# expect: DNS-003 at topology.hcl:45:3
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

dns_zone "external" "contoso.com" {
  record "lyncdiscover" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "web" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "lyncdiscoverinternal" {
    type   = "A"
    values = ["10.0.0.10"]
  }
  record "meet" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "dialin" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
