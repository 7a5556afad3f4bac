// Helpers over mobplan's plan (the JSON of artifacts/plan.json), shared by
// the generators of this folder.
local orEmpty(x) = if x == null then [] else x;

{
  orEmpty:: orEmpty,

  // The zones of one DNS view: "internal" or "external".
  zones(plan, view):: [z for z in orEmpty(plan.zones) if z.view == view],

  // A record's owner as a fully qualified name ("@" is the zone apex).
  fqdn(record, zone):: if record.name == '@' then zone.name else record.name + '.' + zone.name,

  // The load balancer VIPs of the pools' web services, both roles.
  webVIPs(plan):: [v for v in orEmpty(plan.vips) if v.role == 'web-external' || v.role == 'web-internal'],

  // The reverse proxy publishing rules that send traffic to an address,
  // each with its proxy's name.
  rulesTo(plan, ip):: [
    r { proxy: p.name }
    for p in orEmpty(plan.reverse_proxies)
    for r in orEmpty(p.rules)
    if r.target == ip
  ],

  // The certificate a VIP's pool serves for the VIP's role (the Front
  // Ends' web services certificate), by the plan's name for it; null when
  // the plan has none.
  webCertificate(plan, vip)::
    local usage = if vip.role == 'web-external' then 'WebServicesExternal' else 'WebServicesInternal';
    local servers = std.set([r.fqdn for r in orEmpty(plan.roles) if std.startsWith(r.name, vip.pool + '/')]);
    local found = [
      c.name
      for c in orEmpty(plan.certificates)
      if std.member(c.usage, usage) && std.length(std.setInter(std.set(c.assign_to), servers)) > 0
    ];
    if found == [] then null else found[0],

  // Elements of xs with distinct key(x), sorted by it.
  uniqBy(xs, key):: std.uniq(std.sort(xs, key), key),
}
