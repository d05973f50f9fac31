/**
 * Which IP addresses our server may connect to when it fetches something a stranger named
 * (a client metadata document): globally routable unicast only. Everything else — loopback,
 * private networks, link-local (169.254.169.254 is the cloud metadata server), carrier-grade
 * NAT, multicast, documentation and reserved ranges — could reach our own infrastructure
 * (server-side request forgery). Pure.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IANA's global unicast block; every IPv6 address outside it is reserved or special-purpose.
 * Checking it besides ipaddr.js's ranges refuses what ipaddr.js calls plain 'unicast' but is
 * not routable, such as the deprecated IPv4-compatible form ::a00:1 (= ::10.0.0.1).
 */
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/** True only for a globally routable unicast IPv4 or IPv6 address in its usual textual form. */
export function isPublicAddress(ip: string): boolean {
  // node:net's parser accepts only the forms a socket connects to as written. ipaddr.js also
  // accepts legacy forms ('010.0.0.1' read as octal is 8.0.0.1; '127.1'), and a string the two
  // read differently must not pass. A zone id (fe80::1%eth0) names a local interface.
  if (isIP(ip) === 0 || ip.includes('%')) return false;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() unwraps IPv4-mapped IPv6 (::ffff:10.0.0.1), which connects to the IPv4 address.
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  // Anything ipaddr.js names is refused, including 6to4 (2002::/16), Teredo (2001::/32) and
  // NAT64 (64:ff9b::/96): each embeds an IPv4 address that a gateway may forward to, which
  // could be a private one.
  if (address.range() !== 'unicast') return false;
  if (address.kind() === 'ipv6') return address.match(IPV6_GLOBAL_UNICAST);
  return true;
}
