# Tailspin Toys: one Enterprise pool written the way real deployments are.
#
#   - Names in the letter case of the deployment's documents: DNS names
#     compare case-insensitively, so the plan writes them in lower case.
#   - No simple_urls block: the required meet and dial-in URLs take Topology
#     Builder's defaults (https://meet.tailspin.com, https://dialin.tailspin.com)
#     on the certificates, the reverse proxy and in DNS alike; no admin URL.
#   - SIP balanced by the hardware load balancer (sip_lb = "hlb"): the pool
#     FQDN resolves to a SIP VIP that balances 5061, 444, 135, 448 and
#     5070-5080, at the internal web VIP's address.
#   - Dual stack: the internal web VIP is an IPv6 address and the reverse
#     proxy listens on IPv4 and IPv6, so their names get AAAA records, and no
#     firewall row pairs an IPv6 source with an IPv4-only destination.
version     = "sfb2015"
sip_domains = ["Tailspin.com"]
ad_domain   = "Tailspin.local"

site "Seattle" {}

pool "pool01" {
  kind   = "fe-ee"
  fqdn   = "Pool01.Tailspin.local"
  site   = "Seattle"
  sip_lb = "hlb"

  web_internal {
    vip = "fd00:10::20"
  }
  web_external {
    fqdn = "WebExt.Tailspin.com"
    vip  = "10.0.0.21"
  }

  server "fe01" {
    fqdn = "FE01.Tailspin.local"
    ips  = ["10.0.0.11", "fd00:10::11"]
    os   = "2012r2"
  }
  server "fe02" {
    fqdn = "FE02.Tailspin.local"
    ips  = ["10.0.0.12", "fd00:10::12"]
    os   = "2012r2"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"

  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
  listener "https6" {
    ip   = "2001:db8:113::10"
    port = 443
  }
}

network {
  wifi_ranges = ["10.50.0.0/16", "fd00:50::/48"]
}

user "amy@tailspin.com" {
  pool         = pool.pool01.name
  lab_password = "Passw0rd!"
}
