import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CaptchaNotConfigured, httpCaptchaVerifier } from '../../functions/forms/captcha';
import { loadForms } from '../../functions/forms/domain/form-definition';
import { formSecretsFrom, requireCaptchaSecrets } from '../../functions/forms/form-secrets';
import { forms as shippedForms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { memoryLogger } from '../support/http';

const signer = new Signer(async () => 'signing-key-0123456789abcdef');
const at = new Date('2026-11-25T10:00:00.000Z');

describe('render and visitor tokens', () => {
  it('tells the age of a genuine render token, and refuses another form\'s, another key\'s or an altered one', async () => {
    const token = await signer.renderToken('demo-request', at);
    const later = new Date(at.getTime() + 5_000);

    expect(await signer.checkRenderToken('demo-request', token, later)).toEqual({ type: 'Valid', ageMs: 5_000 });
    expect(await signer.checkRenderToken('newsletter', token, later)).toEqual({ type: 'Forged' });
    expect(await new Signer(async () => 'another-key-0123456789abcdef').checkRenderToken('demo-request', token, later)).toEqual({
      type: 'Forged',
    });
    const [time, mac] = token.split('.');
    const earlier = (parseInt(time!, 36) - 60_000).toString(36);
    expect(await signer.checkRenderToken('demo-request', `${earlier}.${mac}`, later)).toEqual({ type: 'Forged' });
    expect(await signer.checkRenderToken('demo-request', 'garbage', later)).toEqual({ type: 'Forged' });
  });

  it('names the contact of a visitor token it signed, and nothing for a forged one', async () => {
    const contactId = '01JCZ3K7Q8M9N0P1R2S3T4V5W6';
    const token = await signer.visitorToken(contactId);

    expect(await signer.visitorOf(token)).toBe(contactId);
    expect(await signer.visitorOf(`01JCZ3K7Q8M9N0P1R2S3T4V5W7.${token.split('.')[1]}`)).toBeUndefined();
    expect(token).not.toMatch(/@/);
  });
});

describe('captcha verification', () => {
  it('lets a post through when the provider cannot be reached, and says so in the log', async () => {
    const logger = memoryLogger();
    const verifier = httpCaptchaVerifier({
      secrets: { turnstile: async () => 'secret' },
      endpoints: { turnstile: 'http://127.0.0.1:9/siteverify' },
      logger,
      timeoutMs: 500,
    });

    expect(await verifier.verify('turnstile', 'response', undefined)).toBe(true);
    expect(logger.lines.map((line) => line.message)).toContain('captcha provider unreachable; post let through');
  });

  it('sends the secret, the response and the IP, and refuses what the provider refutes or a missing response', async () => {
    let received = '';
    const server = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.toString()));
      req.on('end', () => res.end(JSON.stringify({ success: false })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const verifier = httpCaptchaVerifier({
      secrets: { recaptcha: async () => 'recaptcha-secret' },
      endpoints: { recaptcha: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
      logger: memoryLogger(),
    });

    expect(await verifier.verify('recaptcha', 'token-1', '203.0.113.7')).toBe(false);
    expect(Object.fromEntries(new URLSearchParams(received))).toEqual({
      secret: 'recaptcha-secret',
      response: 'token-1',
      remoteip: '203.0.113.7',
    });
    expect(await verifier.verify('recaptcha', '', undefined)).toBe(false);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('captcha secrets', () => {
  const withCaptcha = loadForms({
    'contact.json': {
      id: 'contact',
      name: 'Contact us',
      fields: [{ name: 'email', type: 'email', label: 'Email', required: true }],
      redirectUrl: '/thanks',
      captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA' },
    },
  });

  it('refuses to start when a form declares a captcha and its secret is not set, naming the form and the variable', async () => {
    await expect(requireCaptchaSecrets(withCaptcha.values(), formSecretsFrom({}))).rejects.toThrow(
      'form "contact" declares a turnstile captcha but the environment variable TURNSTILE_SECRET is not set',
    );
    const deployed = async () => ({ signingKey: 'signing-key-0123456789abcdef' });
    await expect(requireCaptchaSecrets(withCaptcha.values(), deployed, 'nurture-form-secrets')).rejects.toThrow(
      'form "contact" declares a turnstile captcha but "turnstileSecret" in the forms secret nurture-form-secrets is not set',
    );
  });

  it('starts when the secret is set, and reads no secret when no form has a captcha', async () => {
    await expect(requireCaptchaSecrets(withCaptcha.values(), formSecretsFrom({ TURNSTILE_SECRET: 'secret' }))).resolves.toBeUndefined();
    let read = false;
    const unreadable = async () => {
      read = true;
      throw new Error('Secrets Manager unreachable');
    };
    await expect(requireCaptchaSecrets(shippedForms.values(), unreadable, 'nurture-form-secrets')).resolves.toBeUndefined();
    expect(read).toBe(false);
  });

  it('never lets a post through when the provider\'s secret is missing', async () => {
    const verifier = httpCaptchaVerifier({ secrets: { turnstile: async () => undefined }, logger: memoryLogger() });

    await expect(verifier.verify('turnstile', 'response', undefined)).rejects.toBeInstanceOf(CaptchaNotConfigured);
    await expect(verifier.verify('recaptcha', 'response', undefined)).rejects.toBeInstanceOf(CaptchaNotConfigured);
  });
});
