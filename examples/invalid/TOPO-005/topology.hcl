# TOPO-005: hybrid is enabled and SkypeOnline shares the SIP address space,
# but its autodiscover_url is not the Office 365 Autodiscover URL, so
# on-premises Autodiscover sends online users' mobile clients nowhere.
# expect: TOPO-005 at topology.hcl:47:5
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

hybrid {
  enabled                  = true
  shared_sip_address_space = true
}

federation {
  hosting_provider "SkypeOnline" {
    proxy_fqdn           = "sipfed.online.lync.com"
    shared_address_space = true
    hosts_ocs_users      = true
    autodiscover_url     = "https://webdir.online.lync.com/autodiscover"
  }
}
