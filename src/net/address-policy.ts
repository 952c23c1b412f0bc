import { BlockList, isIP } from 'node:net';

/**
 * Which addresses the crawler (and `import URL`) may connect to. Private, loopback, link-local,
 * documentation and other non-public ranges are refused unless private networks are allowed, so
 * that a hostile page or redirect cannot make the crawler probe the operator's own network. An
 * IPv6 address that carries an IPv4 address inside it (IPv4-mapped and -compatible, NAT64, 6to4,
 * Teredo) is judged by the IPv4 address it reaches: `64:ff9b::7f00:1` is 127.0.0.1 on a NAT64
 * network.
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast, deprecated
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['100::', 64], // discard-only
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID, deprecated
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['64:ff9b:1::', 48], // local-use NAT64: translates to whatever the local network says
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local, deprecated but still routed by some networks
  ['ff00::', 8], // multicast
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

/** An IPv6 literal as eight 16-bit groups (a trailing dotted quad and `::` expanded). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string | undefined) =>
    half ? half.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const groups =
    halves.length === 2
      ? [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill(0), ...tail]
      : head;
  return groups.length === 8 &&
    groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : undefined;
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The IPv4 addresses an IPv6 address can reach through a translation or tunnel it names. */
export function embeddedIpv4(address: string): string[] {
  const g = ipv6Groups(address);
  if (!g) return [];
  const zeros = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  // ::a.b.c.d (IPv4-compatible), ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated, SIIT).
  if (zeros(0, 5) && (g[5] === 0 || g[5] === 0xffff)) return [ipv4Of(g[6]!, g[7]!)];
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return [ipv4Of(g[6]!, g[7]!)];
  // NAT64 well-known prefix 64:ff9b::/96.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return [ipv4Of(g[6]!, g[7]!)];
  // 6to4 2002:AABB:CCDD::/48.
  if (g[0] === 0x2002) return [ipv4Of(g[1]!, g[2]!)];
  // Teredo 2001:0::/32: the server in bits 32–63, the client's address inverted in the last 32.
  if (g[0] === 0x2001 && g[1] === 0) return [ipv4Of(g[2]!, g[3]!), ipv4Of(g[6]! ^ 0xffff, g[7]! ^ 0xffff)];
  return [];
}

/** Whether `address` (an IP literal) is private, loopback, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return refused.check(address, 'ipv4');
  if (family === 6) {
    const plain = address.replace(/%.*$/, '');
    if (!ipv6Groups(plain)) return true;
    if (refused.check(plain, 'ipv6')) return true;
    return embeddedIpv4(plain).some((inner) => refused.check(inner, 'ipv4'));
  }
  return true;
}

/**
 * `allowPrivateNetworks` is `true` (every address allowed), `false`, or a list of networks in
 * CIDR notation (`10.1.0.0/16`, `127.0.0.1/32`) that are allowed although private.
 */
export type PrivateNetworkPolicy = boolean | readonly string[];

export function addressAllowed(address: string, policy: PrivateNetworkPolicy): boolean {
  if (policy === true || !isPrivateAddress(address)) return true;
  if (policy === false) return false;
  const allowed = new BlockList();
  for (const network of policy) {
    const [base, bits] = network.split('/');
    const family = isIP(base ?? '') === 6 ? 'ipv6' : 'ipv4';
    allowed.addSubnet(base!, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  return allowed.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
