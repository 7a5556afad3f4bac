# POL-005: the site policy is for site Paris, which the topology does not
# declare (the only site is HQ): New-CsMobilityPolicy -Identity site:Paris
# would fail, and no user would get the policy.
# expect: POL-005 at topology.hcl:37:1
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

mobility_policy "site:Paris" {
  require_wifi_for_ip_video = true
}
