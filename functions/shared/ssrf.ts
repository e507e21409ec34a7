import ipaddr from 'ipaddr.js';

/**
 * Where an outbound call to a user-configured URL (a CRM, a journey's webhook) may go. In AWS: https only, and never
 * to a private, loopback, link-local or otherwise internal address (the instance metadata service, a VPC neighbour);
 * locally, loopback over http is allowed too, for the local receiver. Pure: `outbound-http.ts` resolves the host as
 * it connects and asks {@link isAllowedAddress} about each address it is about to connect to.
 */
export type UrlVerdict = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

export function checkUrl(raw: string, options: { readonly allowLoopback: boolean }): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = isLoopback(host);
  if (loopback) return options.allowLoopback ? { ok: true, url } : { ok: false, reason: 'loopback address' };
  if (url.protocol !== 'https:') return { ok: false, reason: 'not https' };
  if (isIpLiteral(host) && !isPublicAddress(host)) return { ok: false, reason: 'private address' };
  if (/^(localhost|.*\.localhost|.*\.internal|.*\.local)$/i.test(host)) return { ok: false, reason: 'internal host name' };
  return { ok: true, url };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/**
 * Whether a resolved IP address is loopback: 127.0.0.0/8, ::1, or 127.x mapped into IPv6 as resolvers write it
 * (`::ffff:127.0.0.1`). The hex spelling `::ffff:7f00:1` (what a URL's host becomes) is refused as private instead.
 */
export function isLoopbackAddress(address: string): boolean {
  const v4 = parseIpv4(address.replace(/^::ffff:/i, ''));
  if (v4) return v4[0] === 127;
  const v6 = parseIpv6(address);
  return v6 !== undefined && v6.slice(0, 7).every((x) => x === 0) && v6[7] === 1;
}

/** Whether a connection may go to this resolved address: a public one, or loopback when the local runtime allows it. */
export function isAllowedAddress(address: string, options: { readonly allowLoopback: boolean }): boolean {
  return isPublicAddress(address) || (options.allowLoopback && isLoopbackAddress(address));
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * Whether an IP address (v4 or v6) is publicly routable: not private, loopback, link-local, CGNAT, multicast,
 * reserved or set aside for documentation. IPv6 forms that carry an IPv4 address are judged by it where it is
 * certain where the packets go (IPv4-mapped `::ffff:a.b.c.d`, the NAT64 well-known prefix `64:ff9b::/96`, which an
 * IPv6-only VPC's DNS64 hands out for IPv4-only hosts), and refused where it is not (IPv4-compatible `::/96`, the
 * local-use NAT64 prefix `64:ff9b:1::/48`, 6to4 `2002::/16`, Teredo in `2001::/23`): otherwise
 * `64:ff9b::a9fe:a9fe` or `2002:a9fe:a9fe::` would reach 169.254.169.254. Anything that does not parse is refused.
 */
export function isPublicAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4) return isPublicIpv4(v4);
  const v6 = parseIpv6(address);
  return v6 !== undefined && isPublicIpv6(v6);
}

function isPublicIpv4([a, b, c]: readonly number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a! >= 224) return false; // "this network", private, loopback, multicast, 240/4 reserved, broadcast
  if (a === 169 && b === 254) return false; // link-local (the instance metadata service)
  if (a === 172 && b! >= 16 && b! <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b! >= 64 && b! <= 127) return false; // CGNAT
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return false; // 6to4 relay anycast
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  return true;
}

function isPublicIpv6(h: readonly number[]): boolean {
  const embeddedIpv4 = () => [h[6]! >> 8, h[6]! & 0xff, h[7]! >> 8, h[7]! & 0xff];
  const zeros = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && h[5] === 0xffff) return isPublicIpv4(embeddedIpv4()); // IPv4-mapped
  if (h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6)) return isPublicIpv4(embeddedIpv4()); // NAT64 well-known prefix
  // Only 2000::/3 is global unicast. Outside it: ::, ::1, IPv4-compatible ::/96, 64:ff9b:1::/48, discard-only
  // 100::/64, unique local fc00::/7 (AWS's fd00:ec2:: among them), link-local fe80::/10, multicast ff00::/8…
  if ((h[0]! & 0xe000) !== 0x2000) return false;
  if (h[0] === 0x2001 && h[1]! < 0x200) return false; // IETF protocol assignments 2001::/23, Teredo 2001::/32 among them
  if (h[0] === 0x2001 && h[1] === 0xdb8) return false; // documentation
  if (h[0] === 0x2002) return false; // 6to4
  if (h[0] === 0x3fff && h[1]! < 0x1000) return false; // documentation 3fff::/20
  return true;
}

/**
 * The four octets of a dotted-decimal IPv4 address. Only the four-part decimal spelling: `ipaddr.js` would also read
 * `127.1` or `0x7f.1` as addresses, spellings no resolver hands back and a URL parser has already normalised.
 */
function parseIpv4(text: string): number[] | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).octets : undefined;
}

/**
 * The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail as two groups, zone id dropped).
 * The dotted tail is turned into hex before `ipaddr.js` sees it, because it reads `::a.b.c.d` as IPv4-mapped
 * (`::ffff:a.b.c.d`) where the address is IPv4-compatible (`::/96`), which this policy refuses.
 */
function parseIpv6(text: string): number[] | undefined {
  let rest = text;
  const dotted = /^(.*:)([^:]*\.[^:%]*)(%.*)?$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (!v4) return undefined;
    rest = `${dotted[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}${dotted[3] ?? ''}`;
  }
  return ipaddr.IPv6.isValid(rest) ? ipaddr.IPv6.parse(rest).parts : undefined;
}
