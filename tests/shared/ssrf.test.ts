import { describe, expect, it } from 'vitest';
import { checkUrl, isAllowedAddress, isPublicAddress } from '../../functions/shared/ssrf';

describe('SSRF guard', () => {
  it('allows https to public hosts', () => {
    expect(checkUrl('https://api.hubapi.com/crm/v3', { allowLoopback: false }).ok).toBe(true);
  });

  it.each([
    ['http://api.hubapi.com', 'not https'],
    ['https://127.0.0.1/x', 'loopback address'],
    ['https://localhost/x', 'loopback address'],
    ['https://[::1]/x', 'loopback address'],
    ['https://10.0.0.5/x', 'private address'],
    ['https://169.254.169.254/latest/meta-data', 'private address'],
    ['https://192.168.1.1/', 'private address'],
    ['https://[fd00:ec2::254]/', 'private address'],
    ['https://[::ffff:127.0.0.1]/', 'private address'],
    ['https://[64:ff9b::169.254.169.254]/', 'private address'],
    ['https://[2002:a9fe:a9fe::]/', 'private address'],
    ['https://[::]/', 'private address'],
    ['https://0.0.0.0/', 'private address'],
    ['https://metadata.internal/', 'internal host name'],
    ['https://user:pw@example.com/', 'credentials in the URL'],
    ['not a url', 'not a URL'],
  ])('refuses %s in AWS (%s)', (url, reason) => {
    expect(checkUrl(url, { allowLoopback: false })).toEqual({ ok: false, reason });
  });

  it('allows loopback over http in local mode only', () => {
    expect(checkUrl('http://127.0.0.1:4010/crm', { allowLoopback: true }).ok).toBe(true);
    expect(checkUrl('http://10.0.0.1/crm', { allowLoopback: true }).ok).toBe(false);
  });

  it('tells public addresses from private, CGNAT, link-local and mapped ones', () => {
    expect(['8.8.8.8', '2606:4700::1111'].map(isPublicAddress)).toEqual([true, true]);
    expect(['172.16.0.1', '100.64.0.1', '0.0.0.0', '::ffff:127.0.0.1', 'fe80::1', '::1'].map(isPublicAddress)).toEqual([false, false, false, false, false, false]);
  });

  it('tells public IPv4 and IPv6 addresses, in every spelling, from the rest', () => {
    const publicOnes = ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '2600:1f18:aaa:bbb::1', '2001:4860:4860::8888', '2001:200::1', '2A00:1450:4001::200E', '2606:4700:0:0:0:0:0:1111'];
    expect(publicOnes.filter((a) => !isPublicAddress(a))).toEqual([]);
  });

  it('refuses IPv6 forms that carry an IPv4 address where the embedding cannot be trusted: IPv4-compatible, local-use NAT64, 6to4, Teredo', () => {
    const embedding = [
      '::127.0.0.1', '::a9fe:a9fe', '::8.8.8.8', '::0.0.0.1', // IPv4-compatible ::/96, even around a public address
      '64:ff9b:1::a9fe:a9fe', '64:ff9b:1::808:808', // local-use NAT64 64:ff9b:1::/48
      '2002:a9fe:a9fe::1', '2002:7f00:1::', '2002:808:808::1', // 6to4 2002::/16
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001::1', '2001:1ff::1', // Teredo 2001::/32 and the rest of 2001::/23
    ];
    expect(embedding.filter(isPublicAddress)).toEqual([]);
  });

  it('judges IPv4-mapped and NAT64 well-known addresses by the IPv4 address they carry, dotted or in hex', () => {
    expect(['::ffff:8.8.8.8', '::ffff:808:808', '0:0:0:0:0:ffff:808:808', '64:ff9b::8.8.8.8', '64:ff9b::808:808'].map(isPublicAddress)).toEqual([true, true, true, true, true]);
    const privateOnes = ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '0:0:0:0:0:ffff:a00:1', '::ffff:0.0.0.0', '64:ff9b::169.254.169.254', '64:ff9b::a9fe:a9fe', '64:ff9b::7f00:1', '64:ff9b::c0a8:101', '::ffff:0:a9fe:a9fe'];
    expect(privateOnes.filter(isPublicAddress)).toEqual([]);
  });

  it('refuses the unspecified addresses, multicast, broadcast, reserved, benchmarking and documentation ranges', () => {
    const refused = [
      '0.0.0.0', '0.1.2.3', '::', '0:0:0:0:0:0:0:0',
      '224.0.0.1', '239.255.255.250', 'ff02::1', 'ff0e::fb',
      '240.0.0.1', '255.255.255.255', '192.0.0.8', '192.88.99.1', '198.18.0.1', '100::1', '4000::1', 'fec0::1', 'fe80::1%eth0',
      '192.0.2.1', '198.51.100.7', '203.0.113.9', '2001:db8::1', '3fff::1',
    ];
    expect(refused.filter(isPublicAddress)).toEqual([]);
  });

  it('refuses what is not an IP address at all', () => {
    const malformed = ['', '1.2.3', '256.1.1.1', '1.2.3.4.5', 'a.b.c.d', '1::2::3', ':1::', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '::1.2.3.256', 'g::1'];
    expect(malformed.filter(isPublicAddress)).toEqual([]);
  });

  it('lets a connection go to loopback addresses only when loopback is allowed, and never to other private ones', () => {
    const loopbackOrNot = ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '10.0.0.1', '169.254.169.254', 'fd00:ec2::254'];
    expect(loopbackOrNot.map((a) => isAllowedAddress(a, { allowLoopback: true }))).toEqual([true, true, true, true, false, false, false]);
    expect(loopbackOrNot.map((a) => isAllowedAddress(a, { allowLoopback: false }))).toEqual([false, false, false, false, false, false, false]);
    expect(isAllowedAddress('8.8.8.8', { allowLoopback: false })).toBe(true);
  });
});
