import { describe, expect, it } from 'vitest';
import { hubSpotV3Signature, nurtureSignature, signedHeaders, verifyNurtureSignature } from '../../functions/crm/signatures';
import { keyIdOf, TokenSigner } from '../../functions/email/tokens';
import { Signer } from '../../functions/forms/signing';
import { verifyWebhookSignature } from '../../functions/journeys/http-webhooks';
import { constantTimeEqual, signedByAnyKey, timestampedSignature, truncatedMac } from '../../functions/shared/hmac';

// Fixed vectors taken from the signing code as it was before the shared module: tokens already in sent emails and
// signatures CRMs already check must keep the same bytes.
const CONTACT = '01HZX3K5Q3ZV4M8W7N6P5R4S3T';
const NURTURE_HEX = 'b7513239432a067012cc768526201b527946f82bf0ad8909468064233392b46d';

describe('HMAC signatures keep their bytes', () => {
  it('signs HubSpot v3 requests as before', () => {
    expect(hubSpotV3Signature('hubspot-client-secret', 'POST', 'https://api.example.com/crm/hubspot?x=1', '{"a":1}', '1700000000000')).toBe(
      '/ZGwOeEaZhyiglaKfTq5eHd5f61BeDNJlq3x9LGIUKc=',
    );
  });

  it('signs Nurture webhooks as before', () => {
    expect(nurtureSignature('crm-secret', '1700000000', '{"a":1}')).toBe(`v1=${NURTURE_HEX}`);
    expect(signedHeaders('crm-secret', '{"a":1}', 1_700_000_000_123)).toEqual({ 'x-nurture-timestamp': '1700000000', 'x-nurture-signature': `v1=${NURTURE_HEX}` });
    expect(timestampedSignature('crm-secret', 1_700_000_000, '{"a":1}')).toBe(NURTURE_HEX);
  });

  it('accepts a journey webhook signature made before the change', () => {
    const header = `t=1700000000,v1=${NURTURE_HEX}`;
    expect(verifyWebhookSignature(header, '{"a":1}', 'crm-secret', 1_700_000_000_000)).toBe(true);
    expect(verifyWebhookSignature(header, '{"a":2}', 'crm-secret', 1_700_000_000_000)).toBe(false);
    expect(verifyWebhookSignature('t=1700000000', '{"a":1}', 'crm-secret', 1_700_000_000_000)).toBe(false);
  });

  it('accepts one of several rotated CRM signatures', () => {
    const request = { body: '{"a":1}', timestamp: '1700000000', signature: `v1=${'0'.repeat(64)}, v1=${NURTURE_HEX}` };
    expect(verifyNurtureSignature('crm-secret', request, 1_700_000_000_000)).toBe(true);
  });

  it('signs email link tokens with the same MAC as before, now after the key id, and still verifies tokens sent without one', () => {
    const signer = new TokenSigner(['current-key-0123456789', 'previous-key-0123456789']);
    const id = keyIdOf('current-key-0123456789');
    expect(signer.sign('c', [CONTACT, 'send_abc', '2'])).toBe(`c.${CONTACT}.send_abc.2.${id}~dLXv5wF3fgpgciFna5F1sg`);
    expect(signer.sign('u', [CONTACT, '-', '-'])).toBe(`u.${CONTACT}.-.-.${id}~TzvkUxzvqkg4_Y7lRX9ezA`);
    // Links already in inboxes carry no key id: every configured key is tried, as before.
    expect(signer.verify('c', `c.${CONTACT}.send_abc.2.dLXv5wF3fgpgciFna5F1sg`, 3)).toEqual([CONTACT, 'send_abc', '2']);
    expect(signer.verify('o', `o.${CONTACT}.send_abc.WDSf9-J9FGrBjY2GDxHtAg`, 2)).toEqual([CONTACT, 'send_abc']);
    expect(new TokenSigner(['current-key-0123456789']).verify('o', `o.${CONTACT}.send_abc.WDSf9-J9FGrBjY2GDxHtAg`, 2)).toBeUndefined();
  });

  it('decodes email link signatures strictly: other low bits in the last character, or padding, never verify', () => {
    const signer = new TokenSigner(['current-key-0123456789']);
    const token = signer.sign('c', [CONTACT, 'send_abc', '2']);
    const legacy = `c.${CONTACT}.send_abc.2.dLXv5wF3fgpgciFna5F1sg`;
    // 'g' is 0b100000 and only its top 2 bits carry the MAC's last byte: h…v decode to the same bytes.
    for (const signed of [token, legacy]) {
      expect(signer.verify('c', signed, 3)).toBeDefined();
      for (const last of 'hijklmnopqrstuv') expect(signer.verify('c', `${signed.slice(0, -1)}${last}`, 3), last).toBeUndefined();
      expect(signer.verify('c', `${signed}==`, 3)).toBeUndefined();
      expect(signer.verify('c', `${signed}=`, 3)).toBeUndefined();
    }
  });

  it('rotates email link keys: a link names its key, keeps verifying while that key is listed, and never under another', () => {
    // Prepare: a link sent under the old key
    const old = 'old-signing-key-0123456789';
    const next = 'new-signing-key-0123456789';
    const sent = new TokenSigner([old]).sign('u', [CONTACT, 'news', 'send_1']);

    // Act: rotate (the new key first, the old one kept), then retire the old key
    const rotated = new TokenSigner([next, old]);
    const retired = new TokenSigner([next]);

    // Assess
    expect(rotated.verify('u', sent, 3)).toEqual([CONTACT, 'news', 'send_1']);
    expect(rotated.sign('u', [CONTACT, 'news', 'send_2'])).toContain(`.${keyIdOf(next)}~`);
    expect(retired.verify('u', sent, 3)).toBeUndefined();
    // The same MAC presented under the other listed key's id, or an unknown id, is refused.
    const mac = sent.split('~')[1]!;
    const body = sent.slice(0, sent.lastIndexOf('.'));
    expect(rotated.verify('u', `${body}.${keyIdOf(next)}~${mac}`, 3)).toBeUndefined();
    expect(rotated.verify('u', `${body}.AAAAAA~${mac}`, 3)).toBeUndefined();
  });

  it('signs form render and visitor tokens as before', async () => {
    const signer = new Signer(async () => 'form-signing-key-0123456789');
    expect(await signer.renderToken('contact-us', new Date(1_700_000_000_000))).toBe('loyw3v28.Ypd9CTSG0T8WGgU-JOTkqIKa');
    expect(await signer.visitorToken(CONTACT)).toBe(`${CONTACT}.UWomM26-6BLfac6QCAz7Y6nI`);
    expect(await signer.visitorOf(`${CONTACT}.UWomM26-6BLfac6QCAz7Y6nI`)).toBe(CONTACT);
  });

  it('compares in full: a prefix, another length or another key never verifies', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    const mac = truncatedMac('key-a-0123456789', 'message', 16);
    expect(signedByAnyKey(['key-b-0123456789', 'key-a-0123456789'], 'message', mac, 16)).toBe(true);
    expect(signedByAnyKey(['key-b-0123456789'], 'message', mac, 16)).toBe(false);
    expect(signedByAnyKey(['key-a-0123456789'], 'message', mac.subarray(0, 15), 16)).toBe(false);
  });
});
