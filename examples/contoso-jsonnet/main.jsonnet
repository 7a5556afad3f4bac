// Contoso in Jsonnet: the twin of examples/contoso (HCL). It evaluates to
// exactly the same topology, so it plans to the same artifacts; a test in
// schema/jsonnettopo proves it.
//
// The sample organisation of the mobility rule catalogue (section 2):
// Skype for Business Server 2019, two SIP domains, one Enterprise pool
// behind a hardware load balancer, an Edge pool and a reverse proxy.
//
// Layout: this file is the entry point (the only .jsonnet file of the
// folder); servers.libsonnet and policies.libsonnet are imported and
// merged with the deployment-wide settings below.
//
// The users' lab password is a top-level argument with a default, the
// twin of the HCL variable: override it with
//   mobplan validate examples/contoso-jsonnet --tla-str lab_password=...
//
// Everything derived (DNS records, certificate SAN lists, publishing rules,
// load balancer VIP settings, firewall rules) is left out: mobplan derives
// it from this intent so it satisfies every rule by construction.
function(lab_password='Passw0rd!')  // lab only: never a real password
  local servers = import 'servers.libsonnet';
  local policies = import 'policies.libsonnet';

  // Every Contoso user lives on pool01 and signs in to the lab with the
  // same password; a user's own settings are merged over that.
  local user(settings) = {
    pool: 'pool01',
    lab_password: lab_password,
  } + settings;

  servers + policies + {
    version: 'sfb2019',
    sip_domains: ['contoso.com', 'fabrikam.com'],  // the first is the primary
    ad_domain: 'contoso.net',

    sites: {
      Redmond: { description: 'Headquarters' },
    },

    mobility: {
      enabled: true,
      autodiscover_scheme: 'https',  // recommended; "http" is supported but not recommended
      internal_wifi: true,
      clients: { ios: true, android: true, windows_phone: true },
      push: { enabled: true, apns: true, mpns: true },
    },

    network: {
      hairpin_allowed: true,
      internal_ranges: ['192.168.0.0/16', '172.25.33.0/24'],
      wifi_ranges: ['192.168.100.0/22'],
    },

    simple_urls: {
      meet: [
        { domain: 'contoso.com', url: 'https://meet.contoso.com' },
        { domain: 'fabrikam.com', url: 'https://meet.fabrikam.com' },
      ],
      dialin: [{ url: 'https://dialin.contoso.com' }],
      admin: [{ url: 'https://admin.contoso.com' }],
    },

    office_web_apps: {
      fqdn: 'oos.contoso.com',
      ip: '192.168.1.5',
      published: true,
    },

    users: {
      'alice@contoso.com': user({
        enterprise_voice: true,
        voice_policy: 'MobileClickToJoin',
        click_to_join: true,
      }),
      'bob@fabrikam.com': user({
        voice_policy: 'MobileClickToJoin',
        // Not Enterprise Voice, so no Call via Work.
        mobility_policy: 'NoCallViaWork',
        click_to_join: true,
      }),
      'carol@contoso.com': user({
        mobility_policy: 'NoMobility',
        uses_mobility: false,  // her policy disables mobility: she cannot sign in
      }),
    },
  }
