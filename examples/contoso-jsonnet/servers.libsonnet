// Contoso's pools: the Enterprise front-end pool, the Edge pool and the
// reverse proxy.

// The front-end subnet, 192.168.21.0/24. Jsonnet has no cidrhost, so the
// host addresses are spelled out from this prefix.
local fe_subnet = '192.168.21.';

// What every front-end server shares.
local fe2019 = { os: '2019' };

{
  pools: {
    pool01: {
      kind: 'fe-ee',
      fqdn: 'pool01.contoso.net',
      site: 'Redmond',
      sip_lb: 'dns',
      edge_pool: 'edge',

      web_internal: {
        fqdn: 'webint.contoso.net',  // overridden: required with DNS load balancing
        vip: fe_subnet + '120',
      },
      web_external: {
        fqdn: 'webext.contoso.com',
        vip: fe_subnet + '121',
      },

      servers: {
        fe01: fe2019 { fqdn: 'fe01.contoso.net', ips: [fe_subnet + '122'] },
        fe02: fe2019 { fqdn: 'fe02.contoso.net', ips: [fe_subnet + '123'] },
        fe03: fe2019 { fqdn: 'fe03.contoso.net', ips: [fe_subnet + '124'] },
      },
    },
  },

  edge_pools: {
    edge: {
      version: 'sfb2019',
      site: 'Redmond',
      internal_fqdn: 'edgepool.contoso.net',
      access_fqdn: 'sip.contoso.com',
      webconf_fqdn: 'webcon.contoso.com',
      av_fqdn: 'av.contoso.com',
      internal_lb: 'dns',
      external_lb: 'dns',

      servers: {
        edge01: {
          fqdn: 'edge01.contoso.net',
          internal_ip: '172.25.33.10',
          access_ip: '131.107.155.10',
          webconf_ip: '131.107.155.20',
          av_ip: '131.107.155.30',
        },
        edge02: {
          fqdn: 'edge02.contoso.net',
          internal_ip: '172.25.33.11',
          access_ip: '131.107.155.11',
          webconf_ip: '131.107.155.21',
          av_ip: '131.107.155.31',
        },
      },
    },
  },

  reverse_proxies: {
    rp: {
      internal_ip: '172.25.34.10',
      separate_from_firewall: true,
      listeners: {
        https: { ip: '131.107.155.1', port: 443 },
      },
    },
  },
}
