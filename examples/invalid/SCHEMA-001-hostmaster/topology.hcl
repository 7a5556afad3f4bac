# SCHEMA-001: the SOA hostmaster is a master file directive, not a
# mailbox written as a DNS name (hostmaster.contoso.com); on a line of
# its own it would make the DNS server read /etc/passwd into the zone.
# expect: SCHEMA-001 at topology.hcl:40:5
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
  soa {
    primary_ns = "ns1.contoso.com"
    hostmaster = "$INCLUDE /etc/passwd"
  }
}
