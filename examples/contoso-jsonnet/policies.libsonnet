// Contoso's federation, mobility and voice policies.
{
  federation: {
    hosting_providers: {
      SkypeOnline: {
        proxy_fqdn: 'sipfed.online.lync.com',
        enabled: true,
        verification_level: 'UseSourceVerification',
      },
    },
    allowed_domains: ['push.lync.com'],
    access_edge: {
      allow_federated_users: true,
      routing: 'dns-srv',
    },
  },

  mobility_policies: {
    global: {
      exists: true,  // created at install: Set-CsMobilityPolicy
      enable_mobility: true,
      enable_outside_voice: true,
    },
    'site:Redmond': {
      enable_ip_audio_video: true,
      require_wifi_for_ip_video: true,
    },
    NoMobility: {
      description: 'Mobile sign-in not allowed',
      enable_mobility: false,
      enable_outside_voice: false,
    },
    NoCallViaWork: {
      description: 'Mobility without Call via Work (users without Enterprise Voice)',
      enable_outside_voice: false,
    },
  },

  pstn_usages: ['ConfDialOut'],

  voice_routes: {
    'ConfDialOut-Route': {
      number_pattern: @'^\+1\d{10}$',
      pstn_usages: ['ConfDialOut'],
      gateways: ['PstnGateway:gw01.contoso.net'],
    },
  },

  voice_policies: {
    MobileClickToJoin: {
      allow_simul_ring: true,
      pstn_usages: ['ConfDialOut'],
    },
  },
}
