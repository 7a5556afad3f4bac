// Renders BIG-IP objects in the syntax `tmsh load sys config merge file`
// reads. Attributes are a Jsonnet object: an object value becomes a
// braced block ({} an empty one), an array a braced list of bare words,
// anything else "key value". Fields come out sorted, which tmsh accepts.
local indent(depth) = std.repeat('    ', depth);

local block(attrs, depth) = std.join('', [
  local v = attrs[k];
  indent(depth) + k + (
    if std.isObject(v) then
      if std.length(v) == 0 then ' { }\n'
      else ' {\n' + block(v, depth + 1) + indent(depth) + '}\n'
    else if std.isArray(v) then
      ' {\n' + std.join('', [indent(depth + 1) + x + '\n' for x in v]) + indent(depth) + '}\n'
    else
      ' ' + v + '\n'
  )
  for k in std.objectFields(attrs)
]);

{
  // One object, e.g. object('ltm pool', '/Common/web', { monitor: '/Common/tcp' }).
  object(kind, name, attrs):: kind + ' ' + name + ' {\n' + block(attrs, 1) + '}\n',

  // An iRule: its body is Tcl, written as given.
  rule(name, tcl):: 'ltm rule ' + name + ' {\n' + tcl + '}\n',

  // Comment lines.
  comment(lines):: std.join('', [(if l == '' then '#' else '# ' + l) + '\n' for l in lines]),

  // An address and port as BIG-IP writes them: IPv6 takes a '.' before
  // the port.
  destination(partition, ip, port)::
    partition + '/' + ip + (if std.length(std.findSubstr(':', ip)) > 0 then '.' else ':') + port,

  // The host mask of an address.
  hostMask(ip)::
    if std.length(std.findSubstr(':', ip)) > 0 then 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' else '255.255.255.255',
}
