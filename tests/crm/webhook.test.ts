import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCrmWebhookHandler } from '../../functions/crm/crm-inbound-webhook';
import { DynamoCrmStore } from '../../functions/crm/dynamo-crm-store';
import { handOff } from '../../functions/crm/hand-off';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import type { DealContacts } from '../../functions/crm/ports';
import { hubSpotV3Signature, signedHeaders } from '../../functions/crm/signatures';
import { lifecycle } from '../../functions/scoring/domain/content';
import { keys } from '../../functions/shared/keys';
import type { CrmReceiver } from '../../local/crm-receiver';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';
import { clock, createDeal, handOffDepsFor, injectFault, newContact, startCrmReceiver } from './support';

let table: TestTable;
let receiver: CrmReceiver;
const HUBSPOT_SECRET = 'local-hubspot-secret';
const GENERIC_SECRET = 'local-crm-feedback-secret';

beforeAll(async () => {
  table = await createTestTable();
  receiver = await startCrmReceiver();
});
afterAll(async () => receiver.close());

/**
 * The local HubSpot, read with the adapter the handler uses. The timeout is generous, so a busy machine never turns a
 * lookup the test expects to succeed into a 503; the timeout test passes a short one, below the delay it injects.
 */
const localHubSpot = (timeoutMs = 10_000): DealContacts =>
  new HubSpotCrm({ accessToken: 'local-hubspot-token', baseUrl: receiver.url }, { allowLoopback: true, timeoutMs });

const handler = (dealContacts: () => Promise<DealContacts | undefined> = async () => localHubSpot(), logger = memoryLogger()) =>
  makeCrmWebhookHandler({
    store: new DynamoCrmStore(table.documentClient, table.tableName),
    lifecycle,
    secrets: async () => ({ hubspot: HUBSPOT_SECRET, generic: GENERIC_SECRET }),
    dealContacts,
    lookupRetry: { attempts: 2, baseDelayMs: 1, maxWaitMs: 100 },
    clock,
    logger,
    publicUrl: `https://${host}`,
  });

const host = 'abc123.execute-api.eu-west-1.amazonaws.com';
const path = (provider: string) => `/webhooks/crm/${provider}`;

/** A request as API Gateway hands it over, HubSpot-signed unless told otherwise. */
function hubSpotRequest(body: string, options: { timestamp?: number; secret?: string; signature?: string } = {}) {
  const timestamp = String(options.timestamp ?? clock.now().getTime());
  const url = `https://${host}${path('hubspot')}`;
  const signature = options.signature ?? hubSpotV3Signature(options.secret ?? HUBSPOT_SECRET, 'POST', url, body, timestamp);
  return httpEvent({
    routeKey: 'POST /webhooks/crm/{provider}',
    path: path('hubspot'),
    pathParameters: { provider: 'hubspot' },
    headers: { host, 'x-forwarded-proto': 'https', 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    body,
  });
}

function genericRequest(body: string, headers = signedHeaders(GENERIC_SECRET, body, clock.now().getTime())) {
  return httpEvent({
    routeKey: 'POST /webhooks/crm/{provider}',
    path: path('generic'),
    pathParameters: { provider: 'generic' },
    headers: { host, 'content-type': 'application/json', ...headers },
    body,
  });
}

/** A contact handed off to the local HubSpot, so it has a CRM id to be found by. */
async function handedOff(email: string) {
  const contactId = await newContact(table, email);
  const result = await handOff({ contactId, idempotencyKey: `k-${email}`, source: 'reactor' }, handOffDepsFor(table, receiver));
  return { contactId, crmId: (result as { crmId: string }).crmId };
}

const feedbackOf = async (contactId: string) =>
  (await table.partition(keys.profile(contactId).PK)).filter((i) => i.type === 'crm.feedback').map((i) => i.data);

describe('POST /webhooks/crm/hubspot', () => {
  it('turns a lifecyclestage change to salesqualifiedlead into accepted feedback on the contact with that CRM id', async () => {
    const { contactId, crmId } = await handedOff('hs1@acme.example');
    const body = JSON.stringify([
      { eventId: 101, subscriptionId: 7, portalId: 62515, appId: 1, occurredAt: 1764000000000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(crmId), changeSource: 'CRM', propertyName: 'lifecyclestage', propertyValue: 'salesqualifiedlead' },
      { eventId: 102, subscriptionId: 8, portalId: 62515, appId: 1, occurredAt: 1764000000000, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 999 },
    ]);

    const result = await handler()(hubSpotRequest(body), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 1, applied: 1, unknown: 0, dealsIgnored: 0 });
    expect(await feedbackOf(contactId)).toEqual([{ provider: 'hubspot', outcome: 'accepted', crmId, status: 'lifecyclestage=salesqualifiedlead', externalId: '101' }]);
  });

  it('maps hs_lead_status BAD_TIMING to rejected and UNQUALIFIED to disqualified', async () => {
    const { contactId, crmId } = await handedOff('hs2@acme.example');
    const event = (eventId: number, value: string) => ({ eventId, subscriptionType: 'contact.propertyChange', objectId: Number(crmId), propertyName: 'hs_lead_status', propertyValue: value, occurredAt: 1764000000000 + eventId });
    await handler()(hubSpotRequest(JSON.stringify([event(201, 'BAD_TIMING'), event(202, 'UNQUALIFIED')])), lambdaContext());
    expect((await feedbackOf(contactId)).map((f) => (f as { outcome: string }).outcome)).toEqual(['rejected', 'disqualified']);
  });

  it('records a redelivered HubSpot event once', async () => {
    const { contactId, crmId } = await handedOff('hs3@acme.example');
    const body = JSON.stringify([{ eventId: 301, subscriptionType: 'contact.propertyChange', objectId: Number(crmId), propertyName: 'lifecyclestage', propertyValue: 'customer', occurredAt: 1764000000000 }]);
    await handler()(hubSpotRequest(body), lambdaContext());
    await handler()(hubSpotRequest(body), lambdaContext());
    expect(await feedbackOf(contactId)).toHaveLength(1);
  });

  it('counts and ignores events about records it never handed off', async () => {
    const body = JSON.stringify([{ eventId: 401, subscriptionType: 'contact.propertyChange', objectId: 424242, propertyName: 'lifecyclestage', propertyValue: 'customer' }]);
    expect(bodyOf(await handler()(hubSpotRequest(body), lambdaContext()))).toEqual({ received: 1, applied: 0, unknown: 1, dealsIgnored: 0 });
  });

  it('answers 401 to a wrong signature, a wrong secret or a timestamp older than 5 minutes', async () => {
    const body = '[]';
    const stale = clock.now().getTime() - 5 * 60_000 - 1;
    for (const request of [
      hubSpotRequest(body, { signature: 'bm9wZQ==' }),
      hubSpotRequest(body, { secret: 'someone-else' }),
      hubSpotRequest(body, { timestamp: stale }),
    ]) {
      const result = await handler()(request, lambdaContext());
      expect(result.statusCode).toBe(401);
      expect(bodyOf(result).error).toBe('invalid_signature');
    }
  });

  it('checks the signature over the configured public URL, whatever Host and X-Forwarded-Proto say', async () => {
    // Prepare: signed over the API's public URL, delivered with headers a caller chose
    const signed = hubSpotRequest('[]');
    const spoofed = { ...signed, headers: { ...signed.headers, host: 'evil.example', 'x-forwarded-proto': 'javascript' } };
    // …and signed over the URL those headers would name
    const timestamp = String(clock.now().getTime());
    const overHeaders = hubSpotV3Signature(HUBSPOT_SECRET, 'POST', `javascript://evil.example${path('hubspot')}`, '[]', timestamp);
    const forged = { ...spoofed, headers: { ...spoofed.headers, 'x-hubspot-signature-v3': overHeaders, 'x-hubspot-request-timestamp': timestamp } };

    // Act
    const genuine = await handler()(spoofed, lambdaContext());
    const refused = await handler()(forged, lambdaContext());

    // Assess
    expect(genuine.statusCode).toBe(200);
    expect(refused.statusCode).toBe(401);
  });

  it('answers 401 when the body was changed after signing', async () => {
    const signed = hubSpotRequest('[]');
    const result = await handler()({ ...signed, body: '[{"subscriptionType":"contact.deletion","objectId":1}]' }, lambdaContext());
    expect(result.statusCode).toBe(401);
  });
});

/** A `deal.propertyChange` event as HubSpot's webhook subscriptions send it: `objectId` is the deal's id. */
const dealChange = (eventId: number, dealId: string, value: string, propertyName = 'dealstage') => ({
  eventId,
  subscriptionId: 9,
  portalId: 62515,
  appId: 1,
  occurredAt: 1764000000000 + eventId,
  subscriptionType: 'deal.propertyChange',
  attemptNumber: 0,
  objectId: Number(dealId),
  changeSource: 'CRM_UI',
  propertyName,
  propertyValue: value,
});
const outcomes = async (contactId: string) => (await feedbackOf(contactId)).map((f) => (f as { outcome: string }).outcome);

describe('POST /webhooks/crm/hubspot with deal events', () => {
  it('gives a deal closed lost to every contact associated with the deal, matched by the stored CRM id', async () => {
    const buyer = await handedOff('deal1@acme.example');
    const champion = await handedOff('deal2@acme.example');
    const dealId = await createDeal(receiver, [buyer.crmId, champion.crmId]);

    const result = await handler()(hubSpotRequest(JSON.stringify([dealChange(501, dealId, 'closedlost')])), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 1, applied: 2, unknown: 0, dealsIgnored: 0 });
    expect(await feedbackOf(buyer.contactId)).toEqual([
      { provider: 'hubspot', outcome: 'closed_lost', crmId: buyer.crmId, status: 'dealstage=closedlost', externalId: '501', dealId },
    ]);
    expect(await outcomes(champion.contactId)).toEqual(['closed_lost']);
  });

  it('maps dealstage closedwon to closed_won and ignores other stages, properties and deal events', async () => {
    const { contactId, crmId } = await handedOff('deal3@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    const body = JSON.stringify([
      dealChange(601, dealId, 'contractsent'),
      dealChange(602, dealId, 'closedwon', 'amount'),
      { eventId: 603, subscriptionType: 'deal.creation', objectId: Number(dealId), occurredAt: 1764000000000 },
      dealChange(604, dealId, 'closedwon'),
    ]);

    const result = await handler()(hubSpotRequest(body), lambdaContext());

    expect(bodyOf(result)).toEqual({ received: 1, applied: 1, unknown: 0, dealsIgnored: 0 });
    expect(await outcomes(contactId)).toEqual(['closed_won']);
  });

  it('records a redelivered deal event once per contact', async () => {
    const { contactId, crmId } = await handedOff('deal4@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    const body = JSON.stringify([dealChange(701, dealId, 'closedlost')]);
    await handler()(hubSpotRequest(body), lambdaContext());
    await handler()(hubSpotRequest(body), lambdaContext());
    expect(await feedbackOf(contactId)).toHaveLength(1);
  });

  it('counts and ignores deals HubSpot does not know and deals without contacts, and contacts of the deal it never handed off', async () => {
    const { contactId, crmId } = await handedOff('deal5@acme.example');
    // A record sales made in HubSpot themselves, on the same deal: not one of our contacts.
    const theirs = await fetch(`${receiver.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-hubspot-token', 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ idProperty: 'email', id: 'walk-in@acme.example', properties: { firstname: 'Walk' } }] }),
    }).then(async (r) => ({ crmId: ((await r.json()) as { results: { id: string }[] }).results[0]!.id }));
    const shared = await createDeal(receiver, [crmId, theirs.crmId]);
    const empty = await createDeal(receiver, []);
    const body = JSON.stringify([dealChange(801, shared, 'closedlost'), dealChange(802, empty, 'closedlost'), dealChange(803, '987654321', 'closedlost')]);

    const result = await handler()(hubSpotRequest(body), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 3, applied: 1, unknown: 1, dealsIgnored: 2 });
    expect(await outcomes(contactId)).toEqual(['closed_lost']);
  });

  it('answers 503 for the deal part but stores the contact part once when the deal lookup keeps failing; the redelivery stores the deal part and nothing twice', async () => {
    // Prepare
    const { contactId, crmId } = await handedOff('deal6@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    const body = JSON.stringify([
      { eventId: 901, subscriptionType: 'contact.propertyChange', objectId: Number(crmId), propertyName: 'hs_lead_status', propertyValue: 'IN_PROGRESS', occurredAt: 1764000000000 },
      dealChange(902, dealId, 'closedlost'),
    ]);
    await injectFault(receiver, { status: 503, times: 2 });
    const logger = memoryLogger();

    // Act
    const failed = await handler(undefined, logger)(hubSpotRequest(body), lambdaContext());

    // Assess: the contact event is stored, the deal event waits for HubSpot's redelivery.
    expect(failed.statusCode).toBe(503);
    expect(bodyOf(failed).error).toBe('crm_unavailable');
    expect(await outcomes(contactId)).toEqual(['accepted']);
    expect(logger.lines.find((l) => l.message === 'deal lookup failed')?.fields).toEqual({ error: `CrmUnavailable 503: GET /crm/v4/objects/deals/${dealId}/associations/contacts answered 503`, deals: 1 });
    expect(JSON.stringify(logger.lines)).not.toContain('injected fault');

    const redelivered = await handler()(hubSpotRequest(body), lambdaContext());
    expect(redelivered.statusCode).toBe(200);
    expect(await outcomes(contactId)).toEqual(['accepted', 'closed_lost']);
    await handler()(hubSpotRequest(body), lambdaContext());
    expect(await outcomes(contactId)).toEqual(['accepted', 'closed_lost']);
  });

  it('holds back a contact event without an event time when the deal lookup fails, since a redelivery would not recognise it, and stores it on the redelivery', async () => {
    const { contactId, crmId } = await handedOff('deal9@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    const body = JSON.stringify([
      { eventId: 1201, subscriptionType: 'contact.propertyChange', objectId: Number(crmId), propertyName: 'hs_lead_status', propertyValue: 'IN_PROGRESS' },
      dealChange(1202, dealId, 'closedwon'),
    ]);
    await injectFault(receiver, { status: 429, times: 2 });

    const failed = await handler()(hubSpotRequest(body), lambdaContext());

    expect(failed.statusCode).toBe(503);
    expect(await feedbackOf(contactId)).toEqual([]);
    expect(bodyOf(await handler()(hubSpotRequest(body), lambdaContext()))).toEqual({ received: 2, applied: 2, unknown: 0, dealsIgnored: 0 });
    // Once each; the timeline orders them by time, and the timeless one took the time it arrived.
    expect(await outcomes(contactId)).toEqual(['closed_won', 'accepted']);
  });

  it('ignores deal events, counted, when HubSpot refuses the lookup for good (403, a token without the deals scope), stores the contact events, asks no more, and logs the cause without the answer', async () => {
    // Prepare: five deals, so that a fifth lookup would be a second batch; it would succeed (the fault covers four).
    const { contactId, crmId } = await handedOff('deal10@acme.example');
    const dealIds = [];
    for (let i = 0; i < 5; i++) dealIds.push(await createDeal(receiver, [crmId]));
    const body = JSON.stringify([
      { eventId: 1301, subscriptionType: 'contact.propertyChange', objectId: Number(crmId), propertyName: 'lifecyclestage', propertyValue: 'salesqualifiedlead', occurredAt: 1764000000000 },
      ...dealIds.map((id, i) => dealChange(1310 + i, id, 'closedlost')),
    ]);
    await injectFault(receiver, { status: 403, times: 4 });
    const logger = memoryLogger();

    // Act
    const result = await handler(undefined, logger)(hubSpotRequest(body), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ received: 6, applied: 1, unknown: 0, dealsIgnored: 5 });
    expect(await outcomes(contactId)).toEqual(['accepted']);
    const logged = logger.lines.find((l) => l.message === 'deal feedback ignored: the CRM refused the deal lookup');
    expect(logged?.level).toBe('error');
    expect(logged?.fields).toMatchObject({ error: expect.stringMatching(/^CrmRejected 403: GET \/crm\/v4\/objects\/deals\/\d+\/associations\/contacts answered 403$/), hint: 'the HubSpot private app needs the crm.objects.deals.read scope', deals: 5, unread: 5 });
    expect(JSON.stringify(logger.lines)).not.toContain('injected fault');
  });

  it('ignores deal events, counted, when the token is refused (401) or the HubSpot URL is one the SSRF guard forbids', async () => {
    const { contactId, crmId } = await handedOff('deal11@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    const refusing: [number, DealContacts, string][] = [
      [1401, new HubSpotCrm({ accessToken: 'revoked-token', baseUrl: receiver.url }, { allowLoopback: true, timeoutMs: 10_000 }), 'CrmRejected 401'],
      [1402, new HubSpotCrm({ accessToken: 'local-hubspot-token', baseUrl: receiver.url }, { allowLoopback: false, timeoutMs: 10_000 }), 'ForbiddenCrmUrl'],
    ];
    for (const [eventId, source, cause] of refusing) {
      const logger = memoryLogger();
      const result = await handler(async () => source, logger)(hubSpotRequest(JSON.stringify([dealChange(eventId, dealId, 'closedlost')])), lambdaContext());
      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toEqual({ received: 1, applied: 0, unknown: 0, dealsIgnored: 1 });
      expect(logger.lines.find((l) => l.level === 'error')?.fields?.error).toMatch(new RegExp(`^${cause}`));
    }
    expect(await feedbackOf(contactId)).toEqual([]);
  });

  it('answers 503 when the deal lookup times out', async () => {
    const { contactId, crmId } = await handedOff('deal7@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    await injectFault(receiver, { delayMs: 1_000, times: 2 });

    const result = await handler(async () => localHubSpot(300))(hubSpotRequest(JSON.stringify([dealChange(1001, dealId, 'closedlost')])), lambdaContext());

    expect(result.statusCode).toBe(503);
    expect(await feedbackOf(contactId)).toEqual([]);
  });

  it('ignores deal events, counted, when no HubSpot access token is set to read the deal\'s contacts', async () => {
    const { contactId, crmId } = await handedOff('deal8@acme.example');
    const dealId = await createDeal(receiver, [crmId]);
    const result = await handler(async () => undefined)(hubSpotRequest(JSON.stringify([dealChange(1101, dealId, 'closedlost')])), lambdaContext());
    expect(bodyOf(result)).toEqual({ received: 1, applied: 0, unknown: 0, dealsIgnored: 1 });
    expect(await feedbackOf(contactId)).toEqual([]);
  });
});

describe('POST /webhooks/crm/generic', () => {
  it('accepts our signed format, finding the contact by email', async () => {
    const contactId = await newContact(table, 'gen1@acme.example');
    const body = JSON.stringify({ email: 'gen1@acme.example', outcome: 'closed_won', id: 'deal-9', status: 'Closed Won' });
    const result = await handler()(genericRequest(body), lambdaContext());
    expect(bodyOf(result)).toEqual({ received: 1, applied: 1, unknown: 0, dealsIgnored: 0 });
    expect(await feedbackOf(contactId)).toEqual([{ provider: 'webhook', outcome: 'closed_won', status: 'Closed Won', externalId: 'deal-9' }]);
  });

  it('stores the status cleaned like every stored text, and refuses an id with a control character', async () => {
    const contactId = await newContact(table, 'gen-clean@acme.example');
    const clean = JSON.stringify({ email: 'gen-clean@acme.example', outcome: 'closed_won', id: 'deal-10', status: 'Closed\u2028Won\u202e\ud800' });
    const dirtyId = JSON.stringify({ email: 'gen-clean@acme.example', outcome: 'closed_won', id: 'deal\u0000-11' });

    const stored = await handler()(genericRequest(clean), lambdaContext());
    const refused = await handler()(genericRequest(dirtyId), lambdaContext());

    expect(stored.statusCode).toBe(200);
    expect(await feedbackOf(contactId)).toEqual([{ provider: 'webhook', outcome: 'closed_won', status: 'Closed Won', externalId: 'deal-10' }]);
    expect(refused.statusCode).toBe(400);
  });

  it('answers 401 without a valid signature', async () => {
    const body = JSON.stringify({ email: 'gen1@acme.example', outcome: 'closed_won' });
    const result = await handler()(genericRequest(body, signedHeaders('wrong-secret-wrong-secret', body, clock.now().getTime())), lambdaContext());
    expect(result.statusCode).toBe(401);
  });

  it('answers 400 to an unknown outcome', async () => {
    const body = JSON.stringify({ email: 'gen1@acme.example', outcome: 'maybe' });
    expect((await handler()(genericRequest(body), lambdaContext())).statusCode).toBe(400);
  });

  it('answers 404 for a provider it does not know', async () => {
    const request = { ...genericRequest('{}'), pathParameters: { provider: 'pipedrive' } };
    expect((await handler()(request, lambdaContext())).statusCode).toBe(404);
  });
});
