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

/** Whether a resolved IP address is loopback (127.0.0.0/8, ::1, or 127.x mapped into IPv6). */
export function isLoopbackAddress(address: string): boolean {
  return /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address) || address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** Whether a connection may go to this resolved address: a public one, or loopback when the local runtime allows it. */
export function isAllowedAddress(address: string, options: { readonly allowLoopback: boolean }): boolean {
  return isPublicAddress(address) || (options.allowLoopback && isLoopbackAddress(address));
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** Whether an IP address (v4 or v6) is publicly routable: not private, loopback, link-local, CGNAT, multicast… */
export function isPublicAddress(address: string): boolean {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
    if (a === 169 && b === 254) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    if (a === 192 && b === 0 && Number(v4[3]) === 0) return false;
    if (a === 198 && (b === 18 || b === 19)) return false;
    return true;
  }
  const v6 = address.toLowerCase();
  if (v6 === '::' || v6 === '::1') return false;
  if (/^(fc|fd)/.test(v6)) return false; // unique local
  if (/^fe[89ab]/.test(v6)) return false; // link-local
  if (/^ff/.test(v6)) return false; // multicast
  if (/^::ffff:/.test(v6)) return false; // mapped forms not caught above
  if (/^fd00:ec2::/.test(v6)) return false;
  return v6.includes(':');
}
