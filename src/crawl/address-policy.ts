import { BlockList, isIP } from 'node:net';

/**
 * Which addresses the crawler may connect to. Private, loopback, link-local and other
 * non-public ranges are refused unless private networks are allowed, so that a hostile page or
 * redirect cannot make the crawler probe the operator's own network.
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b:1::', 48],
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is private, loopback, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return refused.check(address, 'ipv4');
  if (family === 6) {
    const lower = address.toLowerCase();
    const mapped =
      /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower) ?? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped?.[1]) return refused.check(mapped[1], 'ipv4');
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
    if (hexMapped) {
      const high = Number.parseInt(hexMapped[1]!, 16);
      const low = Number.parseInt(hexMapped[2]!, 16);
      return refused.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
    }
    return refused.check(address, 'ipv6');
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
