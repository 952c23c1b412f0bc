import { describe, expect, it } from 'vitest';
import { addressAllowed, isPrivateAddress } from '../../src/net/address-policy.ts';

describe('address policy', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::5', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:0:0:0', true],
    ['::ffff:0:7f00:1', true],
    ['::ffff:0:10.0.0.1', true],
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::a00:1', true],
    // NAT64: the well-known prefix reaches the IPv4 address it ends with; the local-use one anything.
    ['64:ff9b::7f00:1', true],
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b:1::808:808', true],
    ['64:ff9b::808:808', false],
    // 6to4: bits 16–47 are the IPv4 address.
    ['2002:7f00:1::', true],
    ['2002:c0a8:101::1', true],
    ['2002:808:808::1', false],
    // Teredo: the server in bits 32–63, the client inverted in the last 32 bits.
    ['2001:0:7f00:1::', true],
    ['2001:0:808:808::80ff:fefe', true],
    ['2001:0:808:808::f7f7:f7f7', false],
    // Site-local, documentation, benchmarking, discard-only.
    ['fec0::1', true],
    ['feff::1', true],
    ['2001:db8::1', true],
    ['3fff::1', true],
    ['2001:2::1', true],
    ['100::1', true],
    ['192.0.2.1', true],
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['255.255.255.255', true],
    ['fe80::1%eth0', true],
    ['93.184.215.14', false],
    ['2606:4700::1111', false],
    ['2a00:1450:4001:80b::200e', false],
    ['not-an-ip', true],
  ])('%s private is %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('allows private networks all at once or by list', () => {
    expect(addressAllowed('127.0.0.1', false)).toBe(false);
    expect(addressAllowed('127.0.0.1', true)).toBe(true);
    expect(addressAllowed('127.0.0.1', ['127.0.0.1/32'])).toBe(true);
    expect(addressAllowed('127.0.0.2', ['127.0.0.1/32'])).toBe(false);
    expect(addressAllowed('8.8.8.8', false)).toBe(true);
  });
});
