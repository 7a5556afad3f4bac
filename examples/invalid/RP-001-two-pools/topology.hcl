# RP-001: the rule's target, 10.0.0.10, is a server of ab01 and the
# internal web services VIP of se01 (one address for two pools is a
# design to revisit), and the pools' external HTTPS ports differ. The
# rule bridges to 443, which is neither; the finding names both pools,
# and the port of the first, in the order of their names. The target is
# also not se01's external web services (RP-001 again).
# expect: RP-001 at topology.hcl:58:5
# expect: RP-001 at topology.hcl:59:5
version     = "sfb2015"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"

site "HQ" {}

pool "ab01" {
  kind = "fe-se"
  fqdn = "ab01.contoso.net"
  site = "HQ"
  ports {
    external_https = 4444
  }
  server "ab01" {
    fqdn = "ab01.contoso.net"
    ips  = ["10.0.0.10"]
    os   = "2012r2"
  }
}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.contoso.net"
  site = "HQ"
  web_internal {
    vip = "10.0.0.10"
  }
  web_external {
    fqdn = "web.contoso.com"
  }
  ports {
    external_https = 4443
  }
  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.11"]
    os   = "2012r2"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.16.0.10"
  listener "https" {
    ip   = "203.0.113.10"
    port = 443
  }
  rule "web" {
    public_names    = ["web.contoso.com", "lyncdiscover.contoso.com"]
    listeners       = ["https"]
    target          = "10.0.0.10"
    back_https_port = 443
  }
}
