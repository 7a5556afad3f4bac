// Records for a DNS hosting provider's API: one JSON document with every
// record of the plan's external (public) zones, each as name, type, ttl
// and content, the shape most provider APIs take.
//
// Submit each zone's records with the provider's client, for example:
//   jq '.zones[0].records' records.json | curl -X PUT -H 'Content-Type: application/json' \
//     --data @- "https://dns.example.net/api/v1/zones/$(jq -r '.zones[0].zone' records.json)/records"
local mobility = import 'lib/plan.libsonnet';

// Content as zone files write it: targets absolute (with the final dot),
// SRV as "priority weight port target".
local content(r) =
  if r.type == 'SRV' then
    '%d %d %d %s.' % [std.get(r, 'priority', 0), std.get(r, 'weight', 0), r.port, r.value]
  else if r.type == 'CNAME' then
    r.value + '.'
  else
    r.value;

function(plan) {
  'records.json': std.manifestJsonEx({
    zones: [
      {
        zone: zone.name,
        records: [
          { name: mobility.fqdn(r, zone), type: r.type, ttl: r.ttl, content: content(r) }
          for r in zone.records
        ],
      }
      for zone in mobility.zones(plan, 'external')
    ],
  }, '  ') + '\n',
}
