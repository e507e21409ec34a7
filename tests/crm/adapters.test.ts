import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { leadOf } from '../../functions/crm/lead';
import { CrmRejected, CrmUnavailable, ForbiddenCrmUrl } from '../../functions/crm/errors';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import { settingsFromEnv } from '../../functions/crm/config';
import { ClientCredentialsTokens, SalesforceCrm } from '../../functions/crm/salesforce';
import { verifyNurtureSignature } from '../../functions/crm/signatures';
import { WebhookCrm } from '../../functions/crm/crm-outbound-webhook';
import { lifecycle, scoringRules } from '../../functions/scoring/domain/content';
import { contactWith } from '../scoring/factories';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(async () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A local HTTP server standing in for a third party we cannot reach: records requests, answers with `reply`. */
async function thirdParty(reply: (seen: Seen) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const answer = reply(request);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, seen };
}

const lead = (provider: string) =>
  leadOf(
    contactWith({
      contactId: '01JLEAD00000000000000000000',
      email: 'ada@acme.example',
      attributes: { first_name: 'Ada', last_name: 'Lovelace', company: 'Acme', job_title: 'CTO', budget: 10000 },
      stage: 'mql',
    }),
    { rules: scoringRules, lifecycle, provider },
    'score 35 ≥ 30 and fit 35 ≥ 15',
    new Date('2026-11-24T12:00:00.000Z'),
  );
/** The fake third parties answer in-process: a generous timeout, so a busy machine never turns an answer into a failure. */
const local = { allowLoopback: true, timeoutMs: 10_000 };

describe('Salesforce adapter', () => {
  it('upserts a Lead by our external id field with a bearer token, the required fields and the explanation', async () => {
    const sf = await thirdParty(() => ({ status: 201, body: { id: '00Q5g000001', success: true, errors: [], created: true } }));
    const crm = new SalesforceCrm({ instanceUrl: sf.url, accessToken: 'sf-token' }, local);

    expect(await crm.upsert(lead('salesforce'))).toEqual({ crmId: '00Q5g000001' });
    const [request] = sf.seen;
    expect(request).toMatchObject({ method: 'PATCH', url: '/services/data/v60.0/sobjects/Lead/Nurture_Contact_Id__c/01JLEAD00000000000000000000' });
    expect(request!.headers.authorization).toBe('Bearer sf-token');
    expect(JSON.parse(request!.body)).toMatchObject({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: 'ada@acme.example',
      Company: 'Acme',
      Title: 'CTO',
      LeadSource: 'Nurture',
      Nurture_Score__c: 35,
      Nurture_Stage__c: 'mql',
      Description: expect.stringContaining('Budget of $5,000 or more: +20'),
    });
  });

  it('reads the id back when an update answers 204 without a body', async () => {
    const sf = await thirdParty((seen) => (seen.method === 'PATCH' ? { status: 204 } : { status: 200, body: { Id: '00Q5g000002' } }));
    const crm = new SalesforceCrm({ instanceUrl: sf.url, accessToken: 't', externalIdField: 'Ext__c', apiVersion: 'v59.0' }, local);
    expect(await crm.upsert(lead('salesforce'))).toEqual({ crmId: '00Q5g000002' });
    expect(sf.seen[1]).toMatchObject({ method: 'GET', url: '/services/data/v59.0/sobjects/Lead/Ext__c/01JLEAD00000000000000000000?fields=Id' });
  });

  it('reports Salesforce request limits as CrmUnavailable with the Retry-After', async () => {
    const sf = await thirdParty(() => ({ status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE' }], headers: { 'retry-after': '7' } }));
    const error = await new SalesforceCrm({ instanceUrl: sf.url, accessToken: 't' }, local).upsert(lead('salesforce')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmUnavailable);
    expect((error as CrmUnavailable).retryAfterMs).toBe(7_000);
  });
});

describe('Salesforce adapter with the OAuth 2.0 client-credentials flow', () => {
  /** A local Salesforce: a token endpoint issuing tok-1, tok-2, … and the Lead API accepting only `valid` tokens. */
  async function salesforceWithTokens(options: { expiresIn?: number; valid?: (token: string) => boolean } = {}) {
    let issued = 0;
    const sf = await thirdParty((seen) => {
      if (seen.method === 'POST' && seen.url === '/services/oauth2/token') {
        issued++;
        return { status: 200, body: { access_token: `tok-${issued}`, token_type: 'Bearer', instance_url: 'x', ...(options.expiresIn ? { expires_in: options.expiresIn } : {}) } };
      }
      const token = String(seen.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!token.startsWith('tok-') || !(options.valid ?? (() => true))(token)) return { status: 401, body: [{ errorCode: 'INVALID_SESSION_ID' }] };
      return { status: 200, body: { id: '00Q5g000003', success: true, created: false } };
    });
    const tokenRequests = () => sf.seen.filter((r) => r.url === '/services/oauth2/token');
    const apiTokens = () => sf.seen.filter((r) => r.method === 'PATCH').map((r) => r.headers.authorization);
    return { ...sf, tokenRequests, apiTokens };
  }
  const credentials = (url: string) => ({ instanceUrl: url, clientId: 'consumer-key', clientSecret: 'consumer-secret' });

  it('fetches a token from the token endpoint (form-encoded client credentials) and reuses it across adapters until it expires', async () => {
    const sf = await salesforceWithTokens({ expiresIn: 3_600 });

    await new SalesforceCrm(credentials(sf.url), local).upsert(lead('salesforce'));
    expect(await new SalesforceCrm(credentials(sf.url), local).upsert(lead('salesforce'))).toEqual({ crmId: '00Q5g000003' });

    expect(sf.tokenRequests()).toHaveLength(1);
    expect(sf.tokenRequests()[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sf.tokenRequests()[0]!.body))).toEqual({ grant_type: 'client_credentials', client_id: 'consumer-key', client_secret: 'consumer-secret' });
    expect(sf.apiTokens()).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('fetches a new token once the cached one has expired', async () => {
    const sf = await salesforceWithTokens({ expiresIn: 300 });
    let now = Date.parse('2026-11-24T12:00:00.000Z');
    const tokens = new ClientCredentialsTokens({ tokenUrl: `${sf.url}/services/oauth2/token`, clientId: 'k', clientSecret: 's' }, local, () => now);
    const crm = new SalesforceCrm(credentials(sf.url), local, tokens);

    await crm.upsert(lead('salesforce'));
    now += 3 * 60_000;
    await crm.upsert(lead('salesforce'));
    now += 2 * 60_000;
    await crm.upsert(lead('salesforce'));

    expect(sf.apiTokens()).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('refreshes the token and retries once when the API answers 401 (token revoked or expired early)', async () => {
    const sf = await salesforceWithTokens({ valid: (token) => token !== 'tok-1' });

    expect(await new SalesforceCrm(credentials(sf.url), local).upsert(lead('salesforce'))).toEqual({ crmId: '00Q5g000003' });
    expect(sf.apiTokens()).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('gives up as CrmRejected 401 when a fresh token is refused too, after one refresh', async () => {
    const sf = await salesforceWithTokens({ valid: () => false });

    const error = await new SalesforceCrm(credentials(sf.url), local).upsert(lead('salesforce')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRejected);
    expect((error as CrmRejected).status).toBe(401);
    expect(sf.tokenRequests()).toHaveLength(2);
  });

  it('takes the client credentials and token endpoint from the settings (environment locally)', () => {
    const settings = settingsFromEnv({
      CRM_PROVIDER: 'salesforce',
      SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com',
      SALESFORCE_CLIENT_ID: 'consumer-key',
      SALESFORCE_CLIENT_SECRET: 'consumer-secret',
      SALESFORCE_TOKEN_URL: 'https://login.salesforce.com/services/oauth2/token',
    });
    expect(settings.salesforce).toEqual({
      instanceUrl: 'https://acme.my.salesforce.com',
      clientId: 'consumer-key',
      clientSecret: 'consumer-secret',
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    });
    expect(() => settingsFromEnv({ CRM_PROVIDER: 'salesforce', SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com' })).toThrow(/accessToken, or clientId and clientSecret/);
  });
});

describe('HubSpot adapter: a deal\'s contacts', () => {
  it('reads every page of the v4 associations API with the bearer token, whatever the association\'s label', async () => {
    const hubspot = await thirdParty((seen) => {
      const after = new URL(seen.url, 'http://x').searchParams.get('after');
      return after === 'MjA='
        ? { status: 200, body: { results: [{ toObjectId: 3003, associationTypes: [{ category: 'USER_DEFINED', typeId: 12, label: 'Champion' }] }] } }
        : {
            status: 200,
            body: {
              results: [
                { toObjectId: 1001, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }] },
                { toObjectId: 2002, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }] },
              ],
              paging: { next: { after: 'MjA=', link: '?after=MjA=' } },
            },
          };
    });
    const crm = new HubSpotCrm({ accessToken: 'pat-na1-test', baseUrl: hubspot.url }, local);

    expect(await crm.contactsOfDeal('55501')).toEqual(['1001', '2002', '3003']);
    expect(hubspot.seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
      ['GET', '/crm/v4/objects/deals/55501/associations/contacts?limit=500', 'Bearer pat-na1-test'],
      ['GET', '/crm/v4/objects/deals/55501/associations/contacts?limit=500&after=MjA%3D', 'Bearer pat-na1-test'],
    ]);
  });

  it('tells a deal HubSpot does not know (404) apart from a failure (5xx)', async () => {
    let status = 404;
    const hubspot = await thirdParty(() => ({ status, body: { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'not found' } }));
    const crm = new HubSpotCrm({ accessToken: 'pat-na1-test', baseUrl: hubspot.url }, local);
    expect(await crm.contactsOfDeal('404')).toBeUndefined();
    status = 502;
    await expect(crm.contactsOfDeal('502')).rejects.toBeInstanceOf(CrmUnavailable);
  });
});

describe('generic webhook adapter', () => {
  it('POSTs the lead as JSON with a timestamped HMAC-SHA256 signature the receiver can verify', async () => {
    const hook = await thirdParty(() => ({ status: 200, body: { id: 'zap-1' } }));
    const now = new Date('2026-11-24T12:00:00.000Z');
    const crm = new WebhookCrm({ url: `${hook.url}/hooks/lead`, secret: 'a-shared-secret-of-some-length' }, local, () => now);

    expect(await crm.upsert(lead('webhook'), 'stage-01JKEY')).toEqual({ crmId: 'zap-1' });
    const [request] = hook.seen;
    expect(request!.headers['idempotency-key']).toBe('stage-01JKEY');
    expect(
      verifyNurtureSignature(
        'a-shared-secret-of-some-length',
        { body: request!.body, signature: request!.headers['x-nurture-signature'] as string, timestamp: request!.headers['x-nurture-timestamp'] as string },
        now.getTime(),
      ),
    ).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'lead.handed_off', id: 'stage-01JKEY', lead: { email: 'ada@acme.example', stage: 'mql', score: { total: 35 } } });
  });

  it('uses our contact id as the record id when the receiver answers without one', async () => {
    const hook = await thirdParty(() => ({ status: 204 }));
    expect(await new WebhookCrm({ url: hook.url, secret: 'a-shared-secret-of-some-length' }, local).upsert(lead('webhook'), 'k')).toEqual({ crmId: '01JLEAD00000000000000000000' });
  });
});

describe('outbound URL guard', () => {
  it('refuses http and loopback URLs outside local mode, before any request', async () => {
    const inAws = { allowLoopback: false };
    await expect(new HubSpotCrm({ accessToken: 't', baseUrl: 'http://api.hubapi.com' }, inAws).upsert(lead('hubspot'))).rejects.toBeInstanceOf(ForbiddenCrmUrl);
    await expect(new HubSpotCrm({ accessToken: 't', baseUrl: 'https://127.0.0.1:8443' }, inAws).upsert(lead('hubspot'))).rejects.toBeInstanceOf(ForbiddenCrmUrl);
    await expect(new WebhookCrm({ url: 'https://169.254.169.254/latest', secret: 'a-shared-secret-of-some-length' }, inAws).upsert(lead('webhook'), 'k')).rejects.toBeInstanceOf(
      ForbiddenCrmUrl,
    );
  });

  it('refuses, as ForbiddenCrmUrl and without connecting, a public-looking host whose DNS answers 127.0.0.1 when the call connects', async () => {
    // Prepare: the third party listens on 127.0.0.1; the names below resolve there only through this resolver.
    const crm = await thirdParty(() => ({ status: 200, body: { id: 'should-not-happen', access_token: 'nope' } }));
    const port = new URL(crm.url).port;
    const rebound = { allowLoopback: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] };

    // Act
    const webhook = new WebhookCrm({ url: `https://hooks.example:${port}/lead`, secret: 'a-shared-secret-of-some-length' }, rebound).upsert(lead('webhook'), 'k');
    const token = new ClientCredentialsTokens({ tokenUrl: `https://login.example:${port}/services/oauth2/token`, clientId: 'id', clientSecret: 'secret' }, rebound).token();
    const hubspot = new HubSpotCrm({ accessToken: 't', baseUrl: `https://api.example:${port}` }, rebound).upsert(lead('hubspot'));

    // Assess
    await expect(webhook).rejects.toThrow(new ForbiddenCrmUrl('hooks.example resolves to a private address'));
    await expect(token).rejects.toBeInstanceOf(ForbiddenCrmUrl);
    await expect(hubspot).rejects.toBeInstanceOf(ForbiddenCrmUrl);
    expect(crm.seen).toEqual([]);
  });

  it('answers a redirect as CrmRejected, without following it', async () => {
    const hook = await thirdParty(() => ({ status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data' } }));
    const call = new WebhookCrm({ url: hook.url, secret: 'a-shared-secret-of-some-length' }, local).upsert(lead('webhook'), 'k');
    await expect(call).rejects.toMatchObject({ name: 'CrmRejected', status: 307 });
    expect(hook.seen).toHaveLength(1);
  });

  it('keeps the answer\'s body out of the error message (it may echo personal data)', async () => {
    const hook = await thirdParty((seen) => ({ status: 400, body: { error: 'bad lead', echo: JSON.parse(seen.body).lead.email } }));
    const error = await new WebhookCrm({ url: `${hook.url}/hooks/lead`, secret: 'a-shared-secret-of-some-length' }, local).upsert(lead('webhook'), 'k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRejected);
    expect((error as Error).message).toBe('POST /hooks/lead answered 400');
  });
});
