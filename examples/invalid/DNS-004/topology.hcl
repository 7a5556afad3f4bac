# DNS-004: lyncdiscover.fabrikam.com is a CNAME into contoso.com. With
# HTTPS Autodiscover (the default) mobile clients reject an answer from
# another domain; use an A record to the reverse proxy instead.
# expect: DNS-004 at topology.hcl:40:15
version     = "sfb2015"
sip_domains = ["contoso.com", "fabrikam.com"]
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

dns_zone "external" "fabrikam.com" {
  record "lyncdiscover" {
    type   = "CNAME"
    values = ["web.contoso.com"]
  }
  record "meet" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
