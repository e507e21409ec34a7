import { constantTimeEqual, hmacSha256, timestampedSignature } from '../shared/hmac';

/** How far a signed request's timestamp may be from now (HubSpot's own window). */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/**
 * HubSpot's v3 request signature: base64 HMAC-SHA256, keyed with the app's client secret, of
 * method + full URL + raw body + the `X-HubSpot-Request-Timestamp` header (epoch ms), valid for 5 minutes.
 */
export function hubSpotV3Signature(secret: string, method: string, url: string, body: string, timestamp: string): string {
  return hmacSha256(secret, `${method}${url}${body}${timestamp}`).toString('base64');
}

export function verifyHubSpotV3(
  secret: string,
  request: { method: string; url: string; body: string; signature?: string; timestamp?: string },
  now: number,
): boolean {
  if (!request.signature || !request.timestamp) return false;
  const ts = Number(request.timestamp);
  if (!Number.isFinite(ts) || Math.abs(now - ts) > SIGNATURE_WINDOW_MS) return false;
  return constantTimeEqual(hubSpotV3Signature(secret, request.method, request.url, request.body, request.timestamp), request.signature);
}

/**
 * Our own scheme (outbound generic webhooks, and inbound feedback from any other CRM): headers
 * `X-Nurture-Timestamp: <epoch seconds>` and `X-Nurture-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
 */
export function nurtureSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${timestampedSignature(secret, timestamp, body)}`;
}

export function signedHeaders(secret: string, body: string, now: number): Record<string, string> {
  const timestamp = String(Math.floor(now / 1_000));
  return { 'x-nurture-timestamp': timestamp, 'x-nurture-signature': nurtureSignature(secret, timestamp, body) };
}

export function verifyNurtureSignature(
  secret: string,
  request: { body: string; signature?: string; timestamp?: string },
  now: number,
): boolean {
  if (!request.signature || !request.timestamp || !/^\d+$/.test(request.timestamp)) return false;
  if (Math.abs(now - Number(request.timestamp) * 1_000) > SIGNATURE_WINDOW_MS) return false;
  // Several signatures (secret rotation) may be sent, comma-separated.
  const expected = nurtureSignature(secret, request.timestamp, request.body);
  return request.signature.split(',').some((candidate) => constantTimeEqual(candidate.trim(), expected));
}
