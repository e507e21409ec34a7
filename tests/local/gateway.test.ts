import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway, type HttpLambda } from '../../local/gateway';

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
      { routeKey: 'POST /forms/{formId}', function: 'submitForm' },
      { routeKey: 'GET /contacts/{contactId}', function: 'readContacts' },
      { routeKey: 'GET /boom', function: 'reactor' },
    ],
    handlers: {
      submitForm: echo,
      readContacts: async () => ({ statusCode: 200, body: Buffer.from('binary!').toString('base64'), isBase64Encoded: true }),
      reactor: async () => {
        throw new Error('handler bug');
      },
    },
    health: async () => ({ ok: true, dynamodb: 'ok' }),
  });
});

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

  it('answers 404 for unknown routes and methods, and a generic 500 when a handler throws', async () => {
    const unknown = await fetch(`${gateway.url}/nowhere`);
    const wrongMethod = await fetch(`${gateway.url}/forms/demo-request`);
    const crash = await fetch(`${gateway.url}/boom`);

    expect([unknown.status, wrongMethod.status]).toEqual([404, 404]);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    expect(crash.status).toBe(500);
    expect(await crash.json()).toEqual({ message: 'Internal Server Error' });
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

  it('reports health', async () => {
    const response = await fetch(`${gateway.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', dynamodb: 'ok' });
  });
});
