# DNS-009: no simple_urls block, so the deployment has the default simple
# URLs https://meet.contoso.com and https://dialin.contoso.com (the names
# the planned certificates and the reverse proxy carry), but the declared
# public zone has no record for either: meeting links would resolve nowhere.
# expect: DNS-009 at topology.hcl:39:1
# expect: DNS-009 at topology.hcl:39:1
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
}
