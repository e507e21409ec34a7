import { beforeAll, describe, expect, it } from 'vitest';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { forms } from '../../functions/forms/forms';
import { countingLeads } from '../../functions/forms/lead-metrics';
import { Signer } from '../../functions/forms/signing';
import { withSiteOrigins } from '../../functions/forms/site-origins';
import { makeSubmitFormHandler } from '../../functions/forms/submit-form';
import { DynamoCrmStore } from '../../functions/crm/dynamo-crm-store';
import { countingHandOffs } from '../../functions/crm/hand-off-metrics';
import { BusinessMetric, businessMetrics, MetricService, publishingMetrics } from '../../functions/shared/metrics';
import type { Clock } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { captureEmf } from '../support/emf';
import { createTestTable, type TestTable } from '../support/table';

const emf = captureEmf();
const emfLines = () => emf.lines();

let table: TestTable;
const now = new Date('2026-12-01T10:00:00.000Z');
const clock: Clock = { now: () => now };
let sequence = 0;
const uniqueEmail = () => `metrics-${Date.now()}-${sequence++}@example.com`;

beforeAll(async () => {
  table = await createTestTable();
});

/** The forms handler as submit-form.handler.ts composes it: counted intake, site origins, metrics published per invocation. */
function formsHandler(retentionDays = 3) {
  const metrics = businessMetrics('Nurture-test', MetricService.forms);
  return publishingMetrics(
    metrics,
    makeSubmitFormHandler({
      forms: withSiteOrigins(forms, 'https://shop.example.net'),
      intake: countingLeads(new DynamoIntake(table.documentClient, table.tableName, undefined, retentionDays), metrics),
      clock,
      logger: memoryLogger(),
      signer: new Signer(async () => 'test-signing-key-0123456789'),
      captcha: { verify: async () => true },
      isDisposable: disposableDomains(),
      publicUrl: 'https://forms.example.com',
    }),
  );
}

const jsonPost = (handler: ReturnType<typeof formsHandler>, body: unknown, headers: Record<string, string> = {}) =>
  handler(httpEvent({ headers: { 'content-type': 'application/json', accept: '*/*', ...headers }, body: JSON.stringify(body) }), lambdaContext());

describe('business metrics (EMF)', () => {
  it('writes one EMF line per invocation: the namespace, the service dimension and the counts, nothing else', async () => {
    // Prepare
    const metrics = businessMetrics('Nurture-test', MetricService.email);
    const handler = publishingMetrics(metrics, async () => {
      metrics.count(BusinessMetric.EmailsSent);
      metrics.count(BusinessMetric.EmailsSent);
      return 'done';
    });

    // Act
    const answer = await handler();

    // Assess
    expect(answer).toBe('done');
    const [line, ...more] = emfLines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Nurture-test', Dimensions: [['service']], Metrics: [{ Name: 'EmailsSent', Unit: 'Count' }] }] },
      service: 'email',
      // EMF keeps each count as a value; CloudWatch's Sum of them is 2.
      EmailsSent: [1, 1],
    });
    expect(Object.keys(line!).sort()).toEqual(['EmailsSent', '_aws', 'service']);
  });

  it('writes nothing for an invocation that counted nothing, and still writes what was counted before a failure', async () => {
    const metrics = businessMetrics('Nurture-test', MetricService.crm);
    await publishingMetrics(metrics, async () => 'nothing')();
    expect(emfLines()).toEqual([]);

    const failing = publishingMetrics(metrics, async () => {
      metrics.count(BusinessMetric.HandOffsFailed);
      throw new Error('CRM down');
    });
    await expect(failing()).rejects.toThrow('CRM down');
    expect(emfLines()).toMatchObject([{ service: 'crm', HandOffsFailed: 1 }]);
  });

  it('counts an accepted lead once, with no personal data in the line, and not again for a replayed Idempotency-Key', async () => {
    // Prepare
    const handler = formsHandler();
    const email = uniqueEmail();
    const body = { formId: 'demo-request', email, first_name: 'Grace', last_name: 'Hopper', phone: '+44 20 7946 0958', budget: 4500 };

    // Act
    const first = await jsonPost(handler, body, { 'idempotency-key': `key-${email}` });
    const replay = await jsonPost(handler, body, { 'idempotency-key': `key-${email}` });

    // Assess
    expect(first.statusCode).toBeLessThan(300);
    expect(replay.statusCode).toBeLessThan(300);
    expect(emfLines()).toMatchObject([{ service: 'forms', LeadsAccepted: 1 }]);
    const written = emfLines().map((line) => JSON.stringify(line)).join('\n');
    for (const personal of [email, 'Grace', 'Hopper', '7946', bodyOf(first).contactId as string]) expect(written).not.toContain(personal);
  });

  it('keeps the Idempotency-Key record for the environment\'s retention', async () => {
    // Prepare
    const email = uniqueEmail();

    // Act
    const answer = await jsonPost(formsHandler(3), { formId: 'demo-request', email, first_name: 'Ada', budget: 100 }, { 'idempotency-key': `retained-${email}` });

    // Assess
    expect(answer.statusCode).toBeLessThan(300);
    const [record] = await table.partition(`IDEM#form#demo-request#retained-${email}`);
    expect(record?.expiresAt).toBe(Math.floor(now.getTime() / 1_000) + 3 * 86_400);
  });

  it('accepts posts from the environment\'s site origins on every form, besides each form\'s own', async () => {
    // Act
    const answer = await jsonPost(formsHandler(), { formId: 'demo-request', email: uniqueEmail(), first_name: 'Ada', budget: 100 }, { origin: 'https://shop.example.net' });
    const elsewhere = await jsonPost(formsHandler(), { formId: 'demo-request', email: uniqueEmail(), first_name: 'Ada', budget: 100 }, { origin: 'https://evil.example.org' });

    // Assess
    expect(answer.statusCode).toBeLessThan(300);
    expect(answer.headers?.['access-control-allow-origin']).toBe('https://shop.example.net');
    expect(elsewhere.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it('counts hand-offs the CRM took and those recorded as failed', async () => {
    // Prepare
    const metrics = businessMetrics('Nurture-test', MetricService.crm);
    const store = countingHandOffs(new DynamoCrmStore(table.documentClient, table.tableName), metrics);
    const lead = await jsonPost(formsHandler(), { formId: 'demo-request', email: uniqueEmail(), first_name: 'Ada', budget: 100 });
    const contactId = bodyOf(lead).contactId as string;
    emf.clear();

    // Act
    await publishingMetrics(metrics, async () => {
      await store.recordHandOff({ contactId, idempotencyKey: `ok-${contactId}`, provider: 'hubspot', crmId: '901', source: 'reactor', at: now });
      await store.recordFailure({ contactId, idempotencyKey: `bad-${contactId}`, provider: 'hubspot', error: 'CrmRejected: 400', source: 'reactor', at: now });
    })();

    // Assess
    expect(emfLines()).toMatchObject([{ service: 'crm', HandOffsDelivered: 1, HandOffsFailed: 1 }]);
    const events = (await table.partition(keys.profile(contactId).PK)).map((item) => item.type);
    expect(events).toEqual(expect.arrayContaining(['crm.handed_off', 'crm.handoff_failed']));
  });
});
