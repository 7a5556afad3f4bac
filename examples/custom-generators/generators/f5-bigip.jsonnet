// F5 BIG-IP configuration for the pools' web services VIPs (internal and
// external), from the plan's VIPs and reverse proxy rules: one virtual
// server per VIP port (443 -> 4443 and 80 -> 8080 outside, 443 and 80
// inside), one pool per member port, health monitors, persistence as the
// plan asks (source address, or the MS-WSMAN cookie), and an iRule that
// keeps the Host header the client sent.
//
// On the BIG-IP:
//   tmsh load sys config merge file /var/tmp/web-vips.tmsh verify
//   tmsh load sys config merge file /var/tmp/web-vips.tmsh
local mobility = import 'lib/plan.libsonnet';
local tmsh = import 'lib/tmsh.libsonnet';

// The partition the objects go into.
local partition = '/Common';
// Front ports whose traffic is TLS; the others carry plain HTTP.
local tlsPorts = [443, 4443];

local path(name) = partition + '/' + name;
local keepHost = path('sfb-keep-host-header');

// Tcl of the iRule: the web services answer by the name the client asked
// for (webext, lyncdiscover, meet, dialin), so whatever else rewrites the
// request on its way through, the Host header leaves as it arrived.
local keepHostTcl = |||
  when HTTP_REQUEST {
      set sfb_host [HTTP::host]
  }
  when HTTP_REQUEST_RELEASE {
      if { [HTTP::host] ne $sfb_host } {
          HTTP::header replace Host $sfb_host
      }
  }
|||;

function(plan)
  local vips = mobility.webVIPs(plan);

  local tls(pair) = std.member(tlsPorts, pair.front);
  // Cookie persistence needs the HTTP inside TLS: such a VIP bridges TLS
  // (client- and server-side SSL profiles); the others pass TLS through.
  local bridged(vip) = vip.persistence == 'cookie';
  // The virtual sees HTTP, so the http profile and the iRule apply.
  local seesHTTP(vip, pair) = !tls(pair) || bridged(vip);

  local monitor(port) = path('sfb-sip-tls-%d' % port);
  local tcpProfile(idle) = path('sfb-tcp-idle-%d' % idle);
  local persistence(vip) =
    if vip.persistence == 'cookie' then path('sfb-cookie-' + vip.cookie_name)
    else if vip.persistence == 'source' then path('sfb-source-%d' % vip.idle_timeout)
    else null;
  local poolName(vip, port) = path('sfb-%s-%d' % [vip.name, port]);
  local clientSSL(vip) = path('sfb-%s-clientssl' % vip.name);

  local monitors = [
    tmsh.object('ltm monitor tcp', monitor(port), {
      'defaults-from': '/Common/tcp',
      destination: '*:%d' % port,
      interval: 5,
      timeout: 16,
    })
    for port in std.set([v.monitor_port for v in vips if v.monitor_port > 0])
  ];

  local tcpProfiles = [
    tmsh.object('ltm profile tcp', tcpProfile(idle), {
      'defaults-from': '/Common/tcp',
      'idle-timeout': idle,
    })
    for idle in std.set([v.idle_timeout for v in vips])
  ];

  local persistenceProfiles = [
    if vip.persistence == 'cookie' then
      tmsh.object('ltm persistence cookie', persistence(vip), {
        'cookie-name': vip.cookie_name,
        'defaults-from': '/Common/cookie',
        method: 'insert',
      })
    else
      tmsh.object('ltm persistence source-addr', persistence(vip), {
        'defaults-from': '/Common/source_addr',
        timeout: vip.idle_timeout,
      })
    for vip in mobility.uniqBy([v for v in vips if persistence(v) != null], persistence)
  ];

  local sslProfiles = [
    local cert = mobility.webCertificate(plan, vip);
    local file = if cert == null then 'sfb-' + vip.name else cert;
    tmsh.object('ltm profile client-ssl', clientSSL(vip), {
      'cert-key-chain': { default: { cert: path(file + '.crt'), key: path(file + '.key') } },
      'defaults-from': '/Common/clientssl',
    })
    for vip in vips
    if bridged(vip) && std.length([p for p in vip.ports if tls(p)]) > 0
  ];

  local pools = [
    tmsh.object('ltm pool', poolName(vip, port), {
      'load-balancing-mode': 'least-connections-member',
      members: {
        [tmsh.destination(partition, b.ip, port)]: { address: b.ip }
        for b in vip.backends
      },
    } + (if vip.monitor_port > 0 then { monitor: monitor(vip.monitor_port) } else {}))
    for vip in vips
    for port in std.set([p.back for p in vip.ports])
  ];

  local virtual(vip, pair) =
    tmsh.object('ltm virtual', path('sfb-%s-%d' % [vip.name, pair.front]), {
      destination: tmsh.destination(partition, vip.ip, pair.front),
      'ip-protocol': 'tcp',
      mask: tmsh.hostMask(vip.ip),
      pool: poolName(vip, pair.back),
      profiles: { [tcpProfile(vip.idle_timeout)]: {} }
                + (if seesHTTP(vip, pair) then { '/Common/http': {} } else {})
                + (if tls(pair) && bridged(vip) then {
                     [clientSSL(vip)]: { context: 'clientside' },
                     '/Common/serverssl': { context: 'serverside' },
                   } else {}),
      'source-address-translation': { type: 'automap' },
      'translate-address': 'enabled',
      'translate-port': 'enabled',
    }
    + (if persistence(vip) != null then { persist: { [persistence(vip)]: { default: 'yes' } } } else {})
    + (if seesHTTP(vip, pair) then { rules: [keepHost] } else {}));

  local virtuals = [virtual(vip, pair) for vip in vips for pair in vip.ports];

  // What each VIP is, and which reverse proxy rules publish it.
  local summary = std.flattenArrays([
    [
      '%s (%s) %s: %s; persistence %s; members %s' % [
        vip.name,
        vip.role,
        vip.ip,
        std.join(', ', ['%d -> %d' % [p.front, p.back] for p in vip.ports]),
        vip.persistence,
        std.join(', ', ['%s %s' % [b.name, b.ip] for b in vip.backends]),
      ],
    ] + [
      '  published by reverse proxy %s, rule %s: %s' % [r.proxy, r.name, std.join(', ', r.public_names)]
      for r in mobility.rulesTo(plan, vip.ip)
    ]
    for vip in vips
  ]);

  local header = tmsh.comment([
    'F5 BIG-IP configuration for the Skype for Business web services VIPs.',
    'Made by mobplan (custom generator f5-bigip) from the plan: change the',
    'topology or the program, not this file.',
    '',
    'Load: tmsh load sys config merge file /var/tmp/web-vips.tmsh verify',
    '      tmsh load sys config merge file /var/tmp/web-vips.tmsh',
    '',
  ] + (if vips == [] then ['The plan has no web services VIPs (no Enterprise pool): nothing to configure.'] else summary));

  local passThrough = tmsh.comment([
    'TLS passes through the virtual servers without a persistence cookie:',
    'the Host header reaches the Front Ends inside TLS, unchanged.',
  ]);

  {
    'web-vips.tmsh': std.join('\n', [header]
                                    + monitors + tcpProfiles + persistenceProfiles + sslProfiles
                                    + (if vips == [] then [] else [tmsh.rule(keepHost, keepHostTcl)])
                                    + pools
                                    + (if std.length([1 for v in vips if !bridged(v)]) > 0 then [passThrough] else [])
                                    + virtuals),
  }
