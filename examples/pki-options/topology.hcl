# pki options: one certificate per Front End for Default and both web
# services (CERT-004's single certificate), and an enterprise CA template of
# the organisation's own for it, with the extended key usages it issues.
# Otherwise the standard-edition example (so validate warns, as there, that
# Autodiscover is published over HTTP).

version     = "sfb2015"
cu          = "CU5"
sip_domains = ["litware.com"]
ad_domain   = "litware.local"

site "Office" {}

pool "se01" {
  kind = "fe-se"
  fqdn = "se01.litware.local"
  site = "Office"

  # Standard Edition: no load balancer, the server's address is the "VIP".
  web_external {
    fqdn = "webext.litware.com"
    vip  = "10.10.0.10"
  }

  server "se01" {
    fqdn = "se01.litware.local"
    ips  = ["10.10.0.10"]
    os   = "2016"
  }
}

mobility {
  autodiscover_scheme = "http"
  internal_wifi       = false
}

reverse_proxy "rp" {
  internal_ip = "172.16.10.5"

  listener "https" {
    ip   = "198.51.100.20"
    port = 443
  }
  listener "http" {
    ip   = "198.51.100.20"
    port = 80
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
  pool         = pool.se01.name
  lab_password = "Passw0rd!"
}

pki {
  single_certificate = true
  template {
    Default = "LitwareSfBServer"
  }
  template_eku = {
    LitwareSfBServer = ["server-auth", "client-auth"]
  }
}
