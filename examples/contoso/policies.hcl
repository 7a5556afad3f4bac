federation {
  hosting_provider "SkypeOnline" {
    proxy_fqdn         = "sipfed.online.lync.com"
    enabled            = true
    verification_level = "UseSourceVerification"
  }
  allowed_domains = ["push.lync.com"]

  access_edge {
    allow_federated_users = true
    routing               = "dns-srv"
  }
}

mobility_policy "global" {
  exists               = true # created at install: Set-CsMobilityPolicy
  enable_mobility      = true
  enable_outside_voice = true
}

mobility_policy "site:Redmond" {
  enable_ip_audio_video     = true
  require_wifi_for_ip_video = true
}

mobility_policy "NoMobility" {
  description          = "Mobile sign-in not allowed"
  enable_mobility      = false
  enable_outside_voice = false
}

pstn_usages = ["ConfDialOut"]

voice_route "ConfDialOut-Route" {
  number_pattern = "^\\+1\\d{10}$"
  pstn_usages    = ["ConfDialOut"]
  gateways       = ["PstnGateway:gw01.contoso.net"]
}

voice_policy "MobileClickToJoin" {
  allow_simul_ring = true
  pstn_usages      = ["ConfDialOut"]
}

mobility_policy "NoCallViaWork" {
  description          = "Mobility without Call via Work (users without Enterprise Voice)"
  enable_outside_voice = false
}
