# Custom generators: the small office of examples/standard-edition grown to
# an Enterprise pool of two Front Ends behind an F5 BIG-IP, with its public
# DNS hosted by a provider that takes records through an API.
#
# mobplan has no built-in generator for either, so two Jsonnet programs in
# generators/ turn the plan into the files they need; apply writes them to
# artifacts/custom/f5-bigip/ and artifacts/custom/dns-provider/.

version     = "sfb2015"
cu          = "CU5"
sip_domains = ["litware.com"]
ad_domain   = "litware.local"

site "Office" {}

pool "pool01" {
  kind   = "fe-ee"
  fqdn   = "pool01.litware.local"
  site   = "Office"
  sip_lb = "dns"

  # With DNS load balancing the internal web services need their own FQDN.
  web_internal {
    fqdn = "webint.litware.local"
    vip  = "10.10.0.20"
  }
  web_external {
    fqdn = "webext.litware.com"
    vip  = "10.10.0.21"
  }

  server "fe01" {
    fqdn = "fe01.litware.local"
    ips  = ["10.10.0.11"]
    os   = "2016"
  }
  server "fe02" {
    fqdn = "fe02.litware.local"
    ips  = ["10.10.0.12"]
    os   = "2016"
  }
}

mobility {
  autodiscover_scheme = "https"
  internal_wifi       = false
}

reverse_proxy "rp" {
  internal_ip = "172.16.10.5"

  listener "https" {
    ip   = "198.51.100.20"
    port = 443
  }
}

simple_urls {
  meet {
    domain = "litware.com"
    url    = "https://meet.litware.com"
  }
  dialin {
    url = "https://dialin.litware.com"
  }
}

user "dana@litware.com" {
  pool = pool.pool01.name
}

# The programs get the plan (the JSON of artifacts/plan.json) and return
# { "<relative path>": "<content>" }.
generator "f5-bigip" {
  source = "generators/f5-bigip.jsonnet"
}

generator "dns-provider" {
  source = "generators/dns-provider.jsonnet"
}
