import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionsFrom } from '../../functions/broadcasts/broadcast-experiment';
import { makeBroadcastStep, type BroadcastStepDeps, type BroadcastStepOutput } from '../../functions/broadcasts/broadcast-step';
import { makeBroadcastsApiHandler, type BroadcastsApiDeps } from '../../functions/broadcasts/broadcasts-api';
import type { BroadcastDefinition } from '../../functions/broadcasts/domain/broadcast';
import { checkDefinition } from '../../functions/broadcasts/domain/check';
import { DynamoAudience, DynamoBroadcastStore } from '../../functions/broadcasts/dynamo-broadcasts';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { emailSettings } from '../../functions/email/email-settings';
import { emails, renderer } from '../../functions/email/templates';
import { DynamoExperimentCounters } from '../../functions/experiments/dynamo-experiment-counters';
import { keys } from '../../functions/shared/keys';
import { parseQuietHours } from '../../functions/sms/domain/guards';
import { SmsRenderer } from '../../functions/sms/domain/render-sms';
import { smsPrice } from '../../functions/sms/domain/sms-prices';
import { DynamoSmsStore } from '../../functions/sms/dynamo-sms-store';
import { EumSmsGateway } from '../../functions/sms/eum-sms-gateway';
import { smsTemplates } from '../../functions/sms/sms-templates';
import { contentCatalog } from '../../lib/broadcasts/broadcast-files';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { startSmsSink, type SmsSink } from '../../local/sms-sink';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { fixedClock, sendDeps, useTableAndSes, type LocalSes } from '../email/support';
import { member, seedMembers, type Member } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});
let sink: SmsSink;
let client: PinpointSMSVoiceV2Client;
beforeAll(async () => {
  sink = await startSmsSink({ port: 0, region: localRegion, account: '000000000000', deliver: async () => undefined, inbound: async () => undefined });
  client = new PinpointSMSVoiceV2Client({ endpoint: sink.url, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await sink?.close();
});

/** 14:00 in New York, the default zone: outside quiet hours (21:00-08:00). */
const NOW = new Date('2026-03-10T19:00:00Z');
let seq = 0;
const uniqueId = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;
let phones = 0;
const nextPhone = () => `+1415555${String(3000 + ++phones).padStart(4, '0')}`;

const smsDeps = () => ({
  enabled: true,
  store: new DynamoSmsStore(table.documentClient, table.tableName),
  gateway: new EumSmsGateway(client, { originationIdentity: '+12025550100', messageType: 'PROMOTIONAL', optOutList: 'test-opt-outs' }),
  renderer: new SmsRenderer(smsTemplates, { address: emailSettings.physicalAddress, website: emailSettings.website }),
  settings: { messageType: 'PROMOTIONAL' as const, quietHours: parseQuietHours('21:00-08:00'), frequencyCap: emailSettings.frequencyCap },
  clock: fixedClock(NOW),
  logger: memoryLogger(),
});

const definition = (overrides: Partial<BroadcastDefinition> = {}): BroadcastDefinition => ({
  id: uniqueId('texts'),
  name: 'Cart reminder by text',
  channel: 'sms',
  template: 'cart-reminder',
  topic: 'product',
  segment: uniqueId('carts'),
  when: { now: true },
  rate: 1_000,
  ...overrides,
});

/** Members with a number and SMS consent to `product`, unless told otherwise. */
async function seedTextable(segmentId: string, members: readonly (Member & { phone?: string | null; sms?: 'subscribed' | 'unsubscribed' | 'none' })[]) {
  await seedMembers(table.documentClient, table.tableName, segmentId, members);
  for (const m of members) {
    const phone = m.phone === null ? undefined : (m.phone ?? nextPhone());
    const sms = m.sms ?? 'subscribed';
    const records = sms === 'none' ? {} : { product: { status: sms, at: '2026-03-01T10:00:00.000Z', source: 'test', basis: 'form' } };
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.profile(m.contactId),
        UpdateExpression: `SET smsSubscriptions = :sms${phone ? ', phone = :phone' : ''}`,
        ExpressionAttributeValues: { ':sms': records, ...(phone ? { ':phone': phone } : {}) },
      }),
    );
    (m as { phone?: string }).phone = phone;
  }
}

function apiDeps(): BroadcastsApiDeps {
  return {
    store: new DynamoBroadcastStore(table.documentClient, table.tableName),
    audience: new DynamoAudience(table.documentClient, table.tableName),
    executions: { start: async () => undefined, stop: async () => undefined },
    emails: new DynamoEmailStore(table.documentClient, table.tableName),
    renderer,
    settings: emails.settings,
    segmentExists: () => true,
    experiments: new Map(),
    files: new Map(),
    defaultRate: 14,
    sms: smsDeps(),
    clock: fixedClock(NOW),
    logger: memoryLogger(),
  };
}

const post = (body: unknown) =>
  makeBroadcastsApiHandler(apiDeps())(
    httpEvent({ routeKey: 'POST /broadcasts', headers: { authorization: 'Bearer test-admin-token-0123', 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    lambdaContext(),
  );

function stepDeps(): BroadcastStepDeps {
  return {
    store: new DynamoBroadcastStore(table.documentClient, table.tableName),
    audience: new DynamoAudience(table.documentClient, table.tableName),
    send: sendDeps(table, ses, { clock: fixedClock(NOW) }),
    sms: smsDeps(),
    experiments: new Map(),
    decisions: decisionsFrom(new DynamoExperimentCounters(table.documentClient, table.tableName)),
  };
}

async function runToEnd(broadcastId: string, deps: BroadcastStepDeps): Promise<BroadcastStepOutput[]> {
  const step = makeBroadcastStep(deps);
  const outputs: BroadcastStepOutput[] = [];
  let now = NOW;
  for (let i = 0; i < 100; i++) {
    const out = await step({ action: 'page', broadcastId, now: now.toISOString() });
    outputs.push(out);
    if (out.next === 'end') return outputs;
    if (out.next === 'wait') now = new Date(out.until);
  }
  throw new Error('the broadcast did not end in 100 steps');
}

const textsTo = (phone: string | undefined) => sink.messages().filter((m) => m.direction === 'outbound' && m.to === phone);

describe('an SMS broadcast', () => {
  it('texts each member with a number and SMS consent once, and counts the others by reason', async () => {
    const def = definition();
    const ok = [member(), member()];
    const noPhone = member();
    const noConsent = member();
    const unsubscribed = member();
    await seedTextable(def.segment, [...ok, { ...noPhone, phone: null }, { ...noConsent, sms: 'none' }, { ...unsubscribed, sms: 'unsubscribed' }]);

    expect((await post(def)).statusCode).toBe(202);
    const outputs = await runToEnd(def.id, stepDeps());
    // A retried run of the same broadcast (a redelivered task) finds every member's record and sends nothing more.
    await runToEnd(def.id, stepDeps());

    expect(outputs.at(-1)).toEqual({ next: 'end', status: 'sent' });
    for (const m of ok) {
      const texts = textsTo((m as { phone?: string }).phone);
      expect(texts).toHaveLength(1);
      expect(texts[0]?.body).toContain('Hi Ada, your cart is still waiting');
    }
    const record = await new DynamoBroadcastStore(table.documentClient, table.tableName).get(def.id);
    expect(record?.counts).toEqual({ sent: 2, failed: 0, skipped: { no_phone: 1, no_consent: 1, unsubscribed: 1 } });
  });

  it('holds members whose local time is inside quiet hours until those hours end there', async () => {
    const def = definition();
    const tokyo = member({ zone: 'Asia/Tokyo' }); // 04:00 next morning in Tokyo at NOW
    await seedTextable(def.segment, [tokyo, member()]);

    expect((await post(def)).statusCode).toBe(202);
    const outputs = await runToEnd(def.id, stepDeps());

    expect(outputs.some((o) => o.next === 'wait' && o.until === '2026-03-10T23:00:00Z')).toBe(true);
    expect(textsTo((tokyo as { phone?: string }).phone)).toHaveLength(1);
  });

  it('answers a dry run with the guards\' skips, one rendered text with its parts, and the estimated cost', async () => {
    const def = definition();
    await seedTextable(def.segment, [member(), member(), { ...member(), phone: null }]);

    const textsBefore = sink.messages().length;
    const response = await post({ ...def, dryRun: true });

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response) as { channel: string; eligible: number; skipped: Record<string, number>; estimatedCostUsd: number; sample: { text: string; encoding: string; parts: number } };
    expect(body).toMatchObject({ channel: 'sms', eligible: 2, skipped: { no_phone: 1 } });
    expect(body.sample).toMatchObject({ encoding: 'GSM-7', parts: 1 });
    expect(body.sample.text).toMatch(/^Hi Ada, your cart is still waiting/);
    expect(body.estimatedCostUsd).toBeCloseTo(2 * smsPrice('US').perPart, 4);
    expect(sink.messages()).toHaveLength(textsBefore);
  });

  it('refuses an SMS broadcast without a topic, with an email template, an experiment or a local hour in quiet hours', async () => {
    const response = await post({ ...definition({ template: 'monthly-newsletter', experiment: 'subject-test', when: { local_hour: { date: '2026-06-02', hour: 22 } } }), topic: undefined });

    expect(response.statusCode).toBe(422);
    const fields = (bodyOf(response) as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['experiment', 'template', 'topic', 'when.local_hour.hour']);
  });

  it('is checked against content/sms at build time as well', () => {
    const catalog = contentCatalog();
    expect(checkDefinition(definition({ segment: 'cart-abandoners' }), catalog)).toEqual([]);
    expect(checkDefinition(definition({ segment: 'cart-abandoners', template: 'no-such-text' }), catalog)).toEqual([{ field: 'template', message: 'no SMS template "no-such-text" in content/sms/' }]);
  });
});
