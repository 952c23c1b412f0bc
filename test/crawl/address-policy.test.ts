import { describe, expect, it } from 'vitest';
import { addressAllowed, isPrivateAddress } from '../../src/crawl/address-policy.ts';

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
    ['93.184.215.14', false],
    ['2606:4700::1111', false],
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
