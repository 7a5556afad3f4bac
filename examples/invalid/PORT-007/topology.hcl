# PORT-007: a user is homed on a Survivable Branch Appliance, and the
# pool's UCWA SIP external listening port was moved off its documented
# value, 5088. With SBA users the UCWA SIP ports must stay 5088/5089.
# expect: PORT-007 at topology.hcl:22:5
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

  ports {
    ucwa_sip_external = 5090
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

sba "branch" {
  fqdn = "sba1.contoso.net"
  site = "HQ"
  pool = "se01"
}

user "hugo@contoso.com" {
  sba = "branch"
}
