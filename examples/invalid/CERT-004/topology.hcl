# CERT-004: one certificate serves Default, internal and external web
# services of se01, so it needs both lyncdiscoverinternal.contoso.com and
# lyncdiscover.contoso.com; it lacks lyncdiscover.contoso.com, so
# Autodiscover requests bridged by the reverse proxy fail the name check.
# expect: CERT-004 at topology.hcl:42:3
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

certificate "se01-all" {
  usage       = ["Default", "WebServicesInternal", "WebServicesExternal"]
  assigned_to = ["se01"]
  subject     = "se01.contoso.net"
  sans        = ["se01.contoso.net", "web.contoso.com", "lyncdiscoverinternal.contoso.com", "meet.contoso.com", "dialin.contoso.com"]
  issuer      = "public"
}
