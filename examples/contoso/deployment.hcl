# Contoso: the sample organisation of the mobility rule catalogue (section 2).
# Skype for Business Server 2019, two SIP domains, one Enterprise pool
# behind a hardware load balancer, an Edge pool and a reverse proxy.
#
# Everything derived (DNS records, certificate SAN lists, publishing rules,
# load balancer VIP settings, firewall rules) is left out: mobplan derives
# it from this intent so it satisfies every rule by construction.

version     = "sfb2019"
sip_domains = ["contoso.com", "fabrikam.com"] # the first is the primary
ad_domain   = "contoso.net"

site "Redmond" {
  description = "Headquarters"
}

mobility {
  enabled             = true
  autodiscover_scheme = "https" # recommended; "http" is supported but not recommended
  internal_wifi       = true

  clients {
    ios           = true
    android       = true
    windows_phone = true
  }

  push {
    enabled = true
    apns    = true
    mpns    = true
  }
}

network {
  hairpin_allowed = true
  internal_ranges = ["192.168.0.0/16", "172.25.33.0/24"]
  wifi_ranges     = ["192.168.100.0/22"]
}

simple_urls {
  meet {
    domain = "contoso.com"
    url    = "https://meet.contoso.com"
  }
  meet {
    domain = "fabrikam.com"
    url    = "https://meet.fabrikam.com"
  }
  dialin {
    url = "https://dialin.contoso.com"
  }
  admin {
    url = "https://admin.contoso.com"
  }
}

office_web_apps {
  fqdn      = "oos.contoso.com"
  ip        = "192.168.1.5"
  published = true
}
