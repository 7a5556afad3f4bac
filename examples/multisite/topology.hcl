# Two sites of Fabrikam: a Skype for Business Server 2015 pool in Paris
# behind a Director, a Lync Server 2013 pool kept in Lyon for the Lync 2010
# Mobile clients still in use (MCX), a Survivable Branch Appliance with
# users homed on it, and hybrid with Skype for Business Online. Existing
# DNS is declared (as it is today) and checked; the rest is derived.

version     = "sfb2015"
cu          = "CU9"
sip_domains = ["fabrikam.com"]
ad_domain   = "fabrikam.local"

site "Paris" {}
site "Lyon" {}

locals {
  rp_ip = "203.0.113.50"
}

pool "dir01" {
  kind = "director"
  fqdn = "dir01.fabrikam.local"
  site = site.Paris.name

  web_internal {
    fqdn = "dirint.fabrikam.local"
    vip  = "10.1.0.50"
  }
  web_external {
    fqdn = "dirext.fabrikam.com"
    vip  = "10.1.0.51"
  }

  server "dir1" {
    fqdn = "dir1.fabrikam.local"
    ips  = ["10.1.0.52"]
    os   = "2016"
  }
  server "dir2" {
    fqdn = "dir2.fabrikam.local"
    ips  = ["10.1.0.53"]
    os   = "2016"
  }
}

pool "paris" {
  kind      = "fe-ee"
  fqdn      = "paris.fabrikam.local"
  site      = site.Paris.name
  edge_pool = "edge"

  web_internal {
    fqdn = "parisint.fabrikam.local"
    vip  = "10.1.0.10"
  }
  web_external {
    fqdn = "parisext.fabrikam.com"
    vip  = "10.1.0.11"
  }

  server "fe1" {
    fqdn = "fe1.fabrikam.local"
    ips  = ["10.1.0.12"]
    os   = "2016"
  }
  server "fe2" {
    fqdn = "fe2.fabrikam.local"
    ips  = ["10.1.0.13"]
    os   = "2016"
  }
}

pool "lyon" {
  kind      = "fe-ee"
  version   = "lync2013"
  cu        = "2016-11"
  fqdn      = "lyon.fabrikam.local"
  site      = site.Lyon.name
  edge_pool = "edge"
  # Documented LyncUcwa app pool recycle workaround applied (TOPO-008).
  ucwa_recycle_workaround = true

  web_internal {
    fqdn = "lyonint.fabrikam.local"
    vip  = "10.2.0.10"
  }
  web_external {
    fqdn = "lyonext.fabrikam.com"
    vip  = "10.2.0.11"
  }

  server "lfe1" {
    fqdn = "lfe1.fabrikam.local"
    ips  = ["10.2.0.12"]
    os   = "2012r2"
  }
  server "lfe2" {
    fqdn = "lfe2.fabrikam.local"
    ips  = ["10.2.0.13"]
    os   = "2012r2"
  }
}

sba "sba-lyon" {
  fqdn = "sba1.fabrikam.local"
  ip   = "10.2.5.10"
  site = site.Lyon.name
  pool = pool.lyon.name
}

edge_pool "edge" {
  version       = "sfb2015"
  site          = "Paris"
  internal_fqdn = "edge.fabrikam.local"
  access_fqdn   = "sip.fabrikam.com"
  webconf_fqdn  = "webconf.fabrikam.com"
  av_fqdn       = "av.fabrikam.com"

  server "edge1" {
    fqdn        = "edge1.fabrikam.local"
    internal_ip = "172.30.0.10"
    access_ip   = "203.0.113.60"
    webconf_ip  = "203.0.113.61"
    av_ip       = "203.0.113.62"
  }
}

reverse_proxy "rp" {
  internal_ip = "172.30.1.10"

  listener "https" {
    ip   = local.rp_ip
    port = 443
  }
}

mobility {
  clients {
    lync2010_mobile = true
    ios             = true
    android         = true
  }
}

network {
  hairpin_allowed = true
}

mcx {
  exposed_web_url                   = "External"
  session_expiration_interval       = 259200
  session_short_expiration_interval = 3600
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
  access_edge {
    allow_federated_users = true
  }
}

simple_urls {
  meet {
    domain = "fabrikam.com"
    url    = "https://meet.fabrikam.com"
  }
  dialin {
    url = "https://dialin.fabrikam.com"
  }
  admin {
    url = "https://admin.fabrikam.com"
  }
}

# The public zone as it exists today.
dns_zone "external" "fabrikam.com" {
  record "lyncdiscover" {
    type   = "A"
    values = [local.rp_ip]
  }
  record "dirext" {
    type   = "A"
    values = [local.rp_ip]
  }
  record "parisext" {
    type   = "A"
    values = [local.rp_ip]
  }
  record "lyonext" {
    type   = "A"
    values = [local.rp_ip]
  }
  record "meet" {
    type   = "A"
    values = [local.rp_ip]
  }
  record "dialin" {
    type   = "A"
    values = [local.rp_ip]
  }
  record "sip" {
    type   = "A"
    values = ["203.0.113.60"]
  }
  record "_sip._tls" {
    type     = "SRV"
    values   = ["sip.fabrikam.com"]
    port     = 443
    priority = 0
    weight   = 0
  }
  record "_sipfederationtls._tcp" {
    type     = "SRV"
    values   = ["sip.fabrikam.com"]
    port     = 5061
    priority = 0
    weight   = 0
  }
}

user "marc@fabrikam.com" {
  pool         = pool.paris.name
  lab_password = "Passw0rd!" # lab only: signs in to the lab runtime, never a real password

  # His contact list in the lab (View contacts); without one, the lab's
  # default group lists the other users.
  contact_group "Pinned Contacts" {
    members = ["lea@fabrikam.com"]
  }
  contact_group "Lyon" {
    members = ["lea@fabrikam.com", "hugo@fabrikam.com"]
  }
}

user "lea@fabrikam.com" {
  pool         = pool.lyon.name
  lab_password = "Passw0rd!" # lab only: signs in to the lab runtime, never a real password
}

user "hugo@fabrikam.com" {
  sba          = sba.sba-lyon.name
  lab_password = "Passw0rd!" # lab only: signs in to the lab runtime, never a real password
}

# The DNS servers of each view: the zones mobplan derives name them in
# their SOA and NS records (with glue where a server lies in the zone).
name_server "dc1.fabrikam.local" {
  view = "internal"
  ips  = ["10.1.0.2"]
}

name_server "ns1.fabrikam.com" {
  view = "external"
  ips  = ["203.0.113.53"]
}
