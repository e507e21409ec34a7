import { request } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPages, startGateway, type Gateway, type HttpLambda } from '../../local/gateway';

let gateway: Gateway;
const seen: APIGatewayProxyEventV2[] = [];

const echo: HttpLambda = async (event) => {
  seen.push(event);
  return {
    statusCode: 201,
    headers: { 'content-type': 'application/json', location: '/somewhere' },
    cookies: ['a=1; Path=/', 'b=2; Path=/'],
    body: JSON.stringify({ ok: true }),
  };
};

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    routes: [
      { routeKey: 'POST /forms/{formId}', function: 'submitForm', auth: 'public' },
      { routeKey: 'GET /contacts/{contactId}', function: 'readContacts', auth: 'public' },
      { routeKey: 'GET /boom', function: 'reactor', auth: 'public' },
    ],
    handlers: {
      submitForm: echo,
      readContacts: async () => ({ statusCode: 200, body: Buffer.from('binary!').toString('base64'), isBase64Encoded: true }),
      reactor: async () => {
        throw new Error('handler bug');
      },
    },
    pages: demoPages(join(import.meta.dirname, '../../local/public')),
    health: async () => ({ ok: true, dynamodb: 'ok' }),
  });
});

/** A request with its path sent exactly as written (fetch and URL would normalize or re-encode it). */
function raw(method: string, path: string, url = gateway.url) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const { hostname, port } = new URL(url);
      const req = request({ host: hostname, port, method, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

afterAll(() => gateway.close());

describe('local gateway', () => {
  it('builds a payload-v2 event from the request and writes the structured result back', async () => {
    const response = await fetch(`${gateway.url}/forms/demo-request?utm_source=a&utm_source=b&x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'sid=1; theme=dark', 'x-custom': 'yes' },
      body: 'email=a%40b.co',
      redirect: 'manual',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/somewhere');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    const event = seen.at(-1)!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /forms/{formId}',
      rawPath: '/forms/demo-request',
      rawQueryString: 'utm_source=a&utm_source=b&x=1',
      queryStringParameters: { utm_source: 'a,b', x: '1' },
      pathParameters: { formId: 'demo-request' },
      cookies: ['sid=1', 'theme=dark'],
      body: 'email=a%40b.co',
      isBase64Encoded: false,
      requestContext: { routeKey: 'POST /forms/{formId}', stage: '$default', http: { method: 'POST', sourceIp: '127.0.0.1' } },
    });
    expect(event.headers).toMatchObject({ 'x-custom': 'yes', 'x-forwarded-proto': 'http' });
    expect(event.headers.cookie).toBeUndefined();
  });

  it('base64-encodes bodies that are not text, as API Gateway does', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);

    await fetch(`${gateway.url}/forms/x`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });

    expect(seen.at(-1)).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it('decodes base64 results', async () => {
    const response = await fetch(`${gateway.url}/contacts/abc`);

    expect(await response.text()).toBe('binary!');
  });

  it('answers 404 for an unknown path', async () => {
    const unknown = await fetch(`${gateway.url}/nowhere`);

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
  });

  it('answers 405 with an Allow header listing the route\'s methods when a known path gets another method', async () => {
    const before = seen.length;

    const get = await fetch(`${gateway.url}/forms/demo-request`);
    const del = await fetch(`${gateway.url}/contacts/abc`, { method: 'DELETE' });
    const postHealth = await fetch(`${gateway.url}/health`, { method: 'POST' });
    const putPage = await fetch(`${gateway.url}/thank-you`, { method: 'PUT' });

    expect([get.status, del.status, postHealth.status, putPage.status]).toEqual([405, 405, 405, 405]);
    expect(get.headers.get('allow')).toBe('POST');
    expect(del.headers.get('allow')).toBe('GET');
    expect(postHealth.headers.get('allow')).toBe('GET, HEAD');
    expect(putPage.headers.get('allow')).toBe('GET, HEAD');
    expect(await get.json()).toEqual({ message: 'Method Not Allowed' });
    expect(seen.length).toBe(before);
  });

  it('answers a generic 500 when a handler throws', async () => {
    const crash = await fetch(`${gateway.url}/boom`);

    expect(crash.status).toBe(500);
    expect(await crash.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 400 Bad Request, without calling a handler, to a path that is not valid percent-encoding', async () => {
    const before = seen.length;

    const lonePercent = await raw('POST', '/forms/%');
    const truncated = await raw('GET', '/contacts/%E0%A4%A');
    const notUtf8 = await raw('GET', '/contacts/%C0%AF');

    expect([lonePercent.status, truncated.status, notUtf8.status]).toEqual([400, 400, 400]);
    expect(JSON.parse(lonePercent.body)).toEqual({ message: 'Bad Request' });
    expect(seen.length).toBe(before);
  });

  it('decodes percent-encoded path parameters', async () => {
    await raw('POST', '/forms/caf%C3%A9%20form');

    expect(seen.at(-1)?.pathParameters).toEqual({ formId: 'café form' });
  });

  it('answers no request path with a 5xx of its own', async () => {
    const paths = [
      '/%', '/%%', '/%zz', '/%00', '/forms/%00', '/forms/%2F', '/forms/%', '/forms/a%', '/forms/%E0%A4%A', '/forms/a/b',
      '//', '//forms/x', '//evil.example/forms/x', '/forms//', '/forms/../health', '/forms/%2e%2e/contacts/x', '/contacts/%ff',
      '/contacts?email=%', '/contacts/x?%=%', '/health%', '/health/', '/%2fhealth', `/forms/${'a'.repeat(8_000)}`, '*',
    ];
    const answers: string[] = [];

    for (const path of paths) {
      for (const method of ['GET', 'POST', 'OPTIONS', 'HEAD', 'DELETE']) {
        const { status } = await raw(method, path);
        if (status >= 500) answers.push(`${method} ${path} -> ${status}`);
      }
    }

    expect(answers).toEqual([]);
  });

  it('answers HEAD on the demo pages and /health with the headers of GET and no body', async () => {
    for (const path of ['/', '/thank-you', '/health']) {
      const get = await raw('GET', path);
      const head = await raw('HEAD', path);

      expect(head.status, path).toBe(200);
      expect(head.headers['content-type'], path).toBe(get.headers['content-type']);
      expect(head.headers['content-length'], path).toBe(String(Buffer.byteLength(get.body)));
      expect(head.body, path).toBe('');
    }
  });

  it('refuses payloads over API Gateway\'s 10 MB limit before calling the handler', async () => {
    const before = seen.length;

    const response = await fetch(`${gateway.url}/forms/demo-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect(seen.length).toBe(before);
  });

  it('lets a request already in its handler finish when it closes', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const slow = await startGateway({
      port: 0,
      routes: [{ routeKey: 'POST /forms/{formId}', function: 'submitForm', auth: 'public' }],
      handlers: {
        submitForm: async () => {
          entered();
          await released;
          return { statusCode: 201, body: 'done' };
        },
      },
      health: async () => ({ ok: true }),
    });
    const response = fetch(`${slow.url}/forms/x`, { method: 'POST' });
    await inHandler;

    const closed = slow.close();
    setTimeout(release, 100);
    const answered = await response;
    await closed;

    expect(answered.status).toBe(201);
    expect(await answered.text()).toBe('done');
    await expect(fetch(`${slow.url}/health`)).rejects.toThrow();
  });

  it('reports health', async () => {
    const response = await fetch(`${gateway.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', dynamodb: 'ok' });
  });
});
