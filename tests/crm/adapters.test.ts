import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { leadOf } from '../../functions/crm/domain/lead';
import { CrmUnavailable, ForbiddenCrmUrl } from '../../functions/crm/errors';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import { SalesforceCrm } from '../../functions/crm/salesforce';
import { verifyNurtureSignature } from '../../functions/crm/signatures';
import { WebhookCrm } from '../../functions/crm/webhook';
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
const local = { allowLoopback: true, timeoutMs: 2_000 };

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
});
