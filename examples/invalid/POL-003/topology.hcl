# POL-003: erin is an Enterprise Voice user with Call via Work (the default
# global mobility settings enable outside voice), but her voice policy
# NoSimulRing does not allow simultaneous ring, which Call via Work needs.
# expect: POL-003 at topology.hcl:44:3
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

voice_policy "NoSimulRing" {
  allow_simul_ring = false
}

user "erin@contoso.com" {
  pool             = "se01"
  enterprise_voice = true
  voice_policy     = "NoSimulRing"
}
