# PUSH-003: this hybrid deployment already has the Skype for Business
# Online hosting provider (shared address space), and a second provider
# with the same proxy FQDN was added for push. Only one hosting provider
# may use a proxy FQDN; the existing one serves push as it is.
# expect: PUSH-003 at topology.hcl:52:5
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
  hosting_provider "SkypeforBusinessOnline" {
    proxy_fqdn           = "sipfed.online.lync.com"
    verification_level   = "AlwaysVerifiable"
    shared_address_space = true
    hosts_ocs_users      = true
    autodiscover_url     = "https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root"
  }
  hosting_provider "PushNotifications" {
    proxy_fqdn = "sipfed.online.lync.com"
  }
}
