# DNS-010: the deployment is hybrid, but the public sip record of
# contoso.com still points at Skype for Business Online. While users are
# split, the public records must point at the on-premises deployment.
# expect: DNS-010 at topology.hcl:62:15
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
    shared_address_space = true
    hosts_ocs_users      = true
    autodiscover_url     = "https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root"
  }
}

dns_zone "external" "contoso.com" {
  record "lyncdiscover" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "web" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "sip" {
    type   = "CNAME"
    values = ["sipdir.online.lync.com"]
  }
  record "meet" {
    type   = "A"
    values = ["203.0.113.10"]
  }
  record "dialin" {
    type   = "A"
    values = ["203.0.113.10"]
  }
}
