import { expect } from 'chai';
import { isPublicAddress } from '../../server/auth/public-address.js';

describe('public addresses (where a fetch of a client metadata document may connect)', () => {
  it('accepts globally routable unicast IPv4 and IPv6 addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '2a00:1450:4001:80b::200e']) {
      expect(isPublicAddress(ip), ip).to.equal(true);
    }
  });

  it('refuses loopback, private, link-local (cloud metadata), carrier-grade NAT and unspecified IPv4', () => {
    for (const ip of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.254',
      '0.0.0.0',
      '0.1.2.3',
      '255.255.255.255',
      '224.0.0.1',
      '192.0.2.1',
      '198.18.0.1',
      '240.0.0.1',
    ]) {
      expect(isPublicAddress(ip), ip).to.equal(false);
    }
  });

  it('accepts the public neighbours of private ranges', () => {
    for (const ip of ['172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '11.0.0.1', '192.169.0.1']) {
      expect(isPublicAddress(ip), ip).to.equal(true);
    }
  });

  it('refuses loopback, unspecified, link-local, unique-local and multicast IPv6', () => {
    for (const ip of ['::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'fec0::1', '2001:db8::1']) {
      expect(isPublicAddress(ip), ip).to.equal(false);
    }
  });

  it('judges IPv4-mapped IPv6 by the IPv4 address it connects to', () => {
    expect(isPublicAddress('::ffff:127.0.0.1')).to.equal(false);
    expect(isPublicAddress('::ffff:10.0.0.1')).to.equal(false);
    expect(isPublicAddress('::ffff:7f00:1')).to.equal(false);
    expect(isPublicAddress('::ffff:169.254.169.254')).to.equal(false);
    expect(isPublicAddress('::ffff:8.8.8.8')).to.equal(true);
  });

  it('refuses IPv6 forms that embed another IPv4 address: NAT64, 6to4, Teredo, IPv4-compatible', () => {
    for (const ip of ['64:ff9b::a00:1', '64:ff9b::808:808', '64:ff9b:1::a00:1', '2002:0a00:0001::', '2002:808:808::1', '2001::1', '::a00:1', '::10.0.0.1']) {
      expect(isPublicAddress(ip), ip).to.equal(false);
    }
  });

  it('refuses anything that is not an address in its usual form', () => {
    for (const ip of ['', 'garbage', 'localhost', '1.2.3', '127.1', '010.0.0.1', '0x7f.0.0.1', '8.8.8.8 ', '[::1]', '2606:4700::1111%eth0', '1.2.3.4/32']) {
      expect(isPublicAddress(ip), ip).to.equal(false);
    }
  });
});
