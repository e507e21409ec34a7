import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES, html, httpHandler, json, MAX_PATH_PARAMETER_BYTES, type HttpResult } from '../../functions/shared/http';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';

/** A handler that would store what it is given: the shared stack must stop bad requests before it runs. */
function recordingHandler(options: { maxBodyBytes?: number } = {}) {
  const reached: string[] = [];
  const handler = httpHandler(
    async (event) => {
      reached.push(event.rawPath);
      return json(200, { ok: true });
    },
    { logger: memoryLogger(), ...options },
  );
  const call = (overrides: Parameters<typeof httpEvent>[0]) => handler(httpEvent(overrides), lambdaContext()) as Promise<HttpResult>;
  return { reached, call };
}

describe('the shared HTTP stack', () => {
  it('answers 400 naming the parameter for a path id over the limit, before the handler runs', async () => {
    const { reached, call } = recordingHandler();

    const long = await call({ routeKey: 'GET /contacts/{contactId}', path: '/contacts/x', pathParameters: { contactId: 'x'.repeat(3_000) } });
    const wide = await call({ routeKey: 'GET /contacts/{contactId}', path: '/contacts/x', pathParameters: { contactId: 'é'.repeat(MAX_PATH_PARAMETER_BYTES / 2 + 1) } });
    const fits = await call({ routeKey: 'GET /contacts/{contactId}', path: '/contacts/x', pathParameters: { contactId: 'x'.repeat(MAX_PATH_PARAMETER_BYTES) } });

    expect(long.statusCode).toBe(400);
    expect(bodyOf(long)).toMatchObject({ error: 'invalid_path_parameter', parameter: 'contactId' });
    expect(wide.statusCode).toBe(400);
    expect(fits.statusCode).toBe(200);
    expect(reached).toHaveLength(1);
  });

  it('answers 400 for a path parameter with a control character', async () => {
    const { reached, call } = recordingHandler();

    for (const value of ['a\u0000b', 'a\u0085b', 'a\nb']) {
      const result = await call({ routeKey: 'DELETE /journeys/{journeyId}/enrollments/{contactId}', path: '/x', pathParameters: { journeyId: 'budget-router', contactId: value } });
      expect(result.statusCode, JSON.stringify(value)).toBe(400);
      expect(bodyOf(result)).toMatchObject({ error: 'invalid_path_parameter', parameter: 'contactId' });
    }
    expect(reached).toHaveLength(0);
  });

  it('answers 413 JSON for a body over the limit, decoded size for a base64 body, before the handler runs', async () => {
    const { reached, call } = recordingHandler();
    const { call: callLarger } = recordingHandler({ maxBodyBytes: 1024 * 1024 });

    const over = await call({ routeKey: 'PUT /contacts', path: '/contacts', body: 'a'.repeat(DEFAULT_MAX_BODY_BYTES + 1) });
    const encoded = await call({ routeKey: 'PUT /contacts', path: '/contacts', body: Buffer.alloc(DEFAULT_MAX_BODY_BYTES).toString('base64'), isBase64Encoded: true });
    const allowed = await callLarger({ routeKey: 'POST /contacts/import', path: '/contacts/import', body: 'a'.repeat(DEFAULT_MAX_BODY_BYTES + 1) });

    expect(over.statusCode).toBe(413);
    expect(over.headers['content-type']).toMatch(/^application\/json/);
    expect(bodyOf(over)).toMatchObject({ error: 'payload_too_large', maxBytes: DEFAULT_MAX_BODY_BYTES });
    expect(encoded.statusCode).toBe(200);
    expect(allowed.statusCode).toBe(200);
    // Only the base64 body that decodes to the limit reached the first handler.
    expect(reached).toEqual(['/contacts']);
  });

  it('sends every HTML page with a CSP that runs no inline script, nosniff, a Referrer-Policy and no framing', () => {
    const page = html(200, '<p>hi</p>');

    expect(page.headers['content-security-policy']).toMatch(/script-src 'none'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // A page that carries a token in its URL says so itself.
    expect(html(200, '', { 'referrer-policy': 'no-referrer' }).headers['referrer-policy']).toBe('no-referrer');
  });
});
