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

  it('lets a connection go to loopback addresses only when loopback is allowed, and never to other private ones', () => {
    const loopbackOrNot = ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '10.0.0.1', '169.254.169.254', 'fd00:ec2::254'];
    expect(loopbackOrNot.map((a) => isAllowedAddress(a, { allowLoopback: true }))).toEqual([true, true, true, true, false, false, false]);
    expect(loopbackOrNot.map((a) => isAllowedAddress(a, { allowLoopback: false }))).toEqual([false, false, false, false, false, false, false]);
    expect(isAllowedAddress('8.8.8.8', { allowLoopback: false })).toBe(true);
  });
});
