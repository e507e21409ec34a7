import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSettings } from '../../functions/email/email-settings';
import { parseQuietHours } from '../../functions/sms/domain/guards';
import { SmsRenderer } from '../../functions/sms/domain/render-sms';
import { DynamoSmsStore } from '../../functions/sms/dynamo-sms-store';
import { EumSmsGateway } from '../../functions/sms/eum-sms-gateway';
import { SmsSendFailed, SmsThrottled, type SmsGateway } from '../../functions/sms/ports';
import { makeSendSmsTask } from '../../functions/sms/send-sms-task';
import type { SmsSendDeps } from '../../functions/sms/send-sms';
import { smsTemplates } from '../../functions/sms/sms-templates';
import type { Subscription } from '../../functions/shared/contact';
import { keys } from '../../functions/shared/keys';
import { RETRYABLE_TASK_ERRORS } from '../../functions/shared/tasks';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { startSmsSink, type SmsSink } from '../../local/sms-sink';
import { memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';
import { createContact, enrol, eventsOf } from '../email/support';

const OPT_OUTS = 'test-opt-outs';
/** 14:00 in New York (the journeys' default zone here): outside quiet hours. */
const AFTERNOON = new Date('2026-03-10T19:00:00Z');
/** 23:00 in New York: inside quiet hours (21:00-08:00). */
const LATE_EVENING = new Date('2026-03-11T04:00:00Z');

let table: TestTable;
let sink: SmsSink;
let client: PinpointSMSVoiceV2Client;
let gateway: EumSmsGateway;
let phoneCounter = 0;

beforeAll(async () => {
  table = await createTestTable();
  sink = await startSmsSink({ port: 0, region: localRegion, account: '000000000000', deliver: async () => undefined, inbound: async () => undefined });
  client = new PinpointSMSVoiceV2Client({ endpoint: sink.url, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
  gateway = new EumSmsGateway(client, { originationIdentity: '+12025550100', messageType: 'PROMOTIONAL', optOutList: OPT_OUTS });
});
afterAll(async () => {
  client?.destroy();
  await sink?.close();
});

const deps = (overrides: Partial<SmsSendDeps> = {}, at = AFTERNOON) => {
  const logger = memoryLogger();
  return {
    logger,
    deps: {
      enabled: true,
      store: new DynamoSmsStore(table.documentClient, table.tableName),
      gateway,
      renderer: new SmsRenderer(smsTemplates, { address: emailSettings.physicalAddress, website: emailSettings.website }),
      settings: { messageType: 'PROMOTIONAL' as const, quietHours: parseQuietHours('21:00-08:00'), frequencyCap: emailSettings.frequencyCap },
      clock: { now: () => at },
      logger,
      ...overrides,
    },
  };
};

/** A contact with a mobile number and SMS consent (`all` subscribed unless told), enrolled in `cart-recovery`. */
async function textableContact(options: { phone?: string | null; sms?: Record<string, Subscription['status']> } = {}) {
  const { contactId } = await createContact(table, { first_name: 'Grace' });
  const phone = options.phone === undefined ? `+1415555${String(2000 + ++phoneCounter).padStart(4, '0')}` : options.phone;
  const records = Object.fromEntries(Object.entries(options.sms ?? { all: 'subscribed' }).map(([topic, status]) => [topic, { status, at: '2026-03-01T10:00:00.000Z', source: 'test', basis: 'form' }]));
  await table.documentClient.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.profile(contactId),
      UpdateExpression: `SET smsSubscriptions = :sms${phone ? ', phone = :phone' : ''}`,
      ExpressionAttributeValues: { ':sms': records, ...(phone ? { ':phone': phone } : {}) },
    }),
  );
  await enrol(table, contactId, 'cart-recovery');
  return { contactId, phone: phone ?? undefined };
}

const step = (contactId: string, overrides: Record<string, unknown> = {}) => ({
  contactId,
  journeyId: 'cart-recovery',
  stepId: 'text-reminder',
  executionName: `cart-recovery-${contactId}-1`,
  templateId: 'cart-reminder',
  topic: 'product',
  timezone: 'America/New_York',
  ...overrides,
});

const textsTo = (phone: string | undefined) => sink.messages().filter((m) => m.direction === 'outbound' && m.to === phone);

describe('the journey send_sms step', () => {
  it('sends the rendered text through End User Messaging and records sms.sent with its parts and encoding', async () => {
    const { contactId, phone } = await textableContact();
    const { deps: d, logger } = deps();

    const output = await makeSendSmsTask(d)(step(contactId));

    expect(output).toEqual({ outcome: 'sent', messageId: expect.any(String) });
    const [text] = textsTo(phone);
    expect(text?.body).toBe('Hi Grace, your cart is still waiting: https://www.example.com/cart Reply STOP to opt out.');
    expect(text?.messageType).toBe('PROMOTIONAL');
    expect(text?.context).toMatchObject({ contactId, journeyId: 'cart-recovery', stepId: 'text-reminder', templateId: 'cart-reminder' });
    const [sent] = await eventsOf(table, contactId, 'sms.sent');
    expect(sent?.data).toMatchObject({ messageId: text?.messageId, templateId: 'cart-reminder', topic: 'product', encoding: 'GSM-7', parts: 1, messageType: 'PROMOTIONAL' });
    expect(JSON.stringify(logger.lines)).not.toContain(phone!);
    expect(JSON.stringify(logger.lines)).not.toContain('your cart');
  });

  it('sends exactly one text when Step Functions retries the step', async () => {
    const { contactId, phone } = await textableContact();
    const task = makeSendSmsTask(deps().deps);

    const first = await task(step(contactId));
    const again = await task(step(contactId));

    expect(again).toEqual({ outcome: 'sent', messageId: first.outcome === 'sent' ? first.messageId : '', duplicate: true });
    expect(textsTo(phone)).toHaveLength(1);
    expect(await eventsOf(table, contactId, 'sms.sent')).toHaveLength(1);
  });

  it('sends exactly one text when two invocations of the step race', async () => {
    const { contactId, phone } = await textableContact();
    const task = makeSendSmsTask(deps().deps);

    const outcomes = await Promise.all([task(step(contactId)), task(step(contactId))]);

    // The loser finds the winner's claim: a duplicate of the sent text, or, while the winner is still calling, a
    // send in doubt (never a second text).
    expect(outcomes.filter((o) => o.outcome === 'sent' && !o.duplicate)).toHaveLength(1);
    expect(outcomes.map((o) => (o.outcome === 'skipped' ? o.reason : o.outcome))).toEqual(expect.arrayContaining(['sent']));
    expect(outcomes.every((o) => o.outcome === 'sent' || (o.outcome === 'skipped' && o.reason === 'send_in_doubt'))).toBe(true);
    expect(textsTo(phone)).toHaveLength(1);
  });

  it.each([
    ['no_phone', { phone: null }],
    ['no_consent', { sms: {} }],
    ['no_consent', { sms: { newsletter: 'subscribed' as const } }],
    ['unsubscribed', { sms: { product: 'unsubscribed' as const, all: 'subscribed' as const } }],
    ['unsubscribed', { sms: { all: 'unsubscribed' as const, product: 'subscribed' as const } }],
  ])('skips with %s and records it on the timeline (%j)', async (reason, setup) => {
    const { contactId, phone } = await textableContact(setup);

    const output = await makeSendSmsTask(deps().deps)(step(contactId));

    expect(output).toEqual({ outcome: 'skipped', reason });
    expect(textsTo(phone)).toHaveLength(0);
    const [skipped] = await eventsOf(table, contactId, 'sms.skipped');
    expect(skipped?.data).toMatchObject({ reason, templateId: 'cart-reminder', stepId: 'text-reminder' });
  });

  it('sends under consent for the journey topic alone', async () => {
    const { contactId, phone } = await textableContact({ sms: { product: 'subscribed' } });

    expect((await makeSendSmsTask(deps().deps)(step(contactId))).outcome).toBe('sent');
    expect(textsTo(phone)).toHaveLength(1);
  });

  it('skips a number on the account opt-out list', async () => {
    const { contactId, phone } = await textableContact();
    await gateway.optOut(phone!);

    const output = await makeSendSmsTask(deps().deps)(step(contactId));

    expect(output).toEqual({ outcome: 'skipped', reason: 'opted_out' });
    expect(textsTo(phone)).toHaveLength(0);
  });

  it('counts emails and texts together against the frequency cap', async () => {
    const { contactId, phone } = await textableContact();
    const { max } = emailSettings.frequencyCap;
    // The mail log as email sends leave it: `max` marketing emails in the last days.
    const sends = Array.from({ length: max }, (_, i) => ({ at: new Date(AFTERNOON.getTime() - (i + 1) * 3_600_000).toISOString(), sendId: `email-${i}` }));
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { PK: `CONTACT#${contactId}`, SK: 'MAILLOG', sends, version: 1 } }));

    const output = await makeSendSmsTask(deps().deps)(step(contactId));

    expect(output).toEqual({ outcome: 'skipped', reason: 'frequency_cap' });
    expect(textsTo(phone)).toHaveLength(0);
  });

  it('takes a slot in the mail log the email sends count', async () => {
    const { contactId } = await textableContact();

    await makeSendSmsTask(deps().deps)(step(contactId));

    const [log] = (await table.partition(`CONTACT#${contactId}`)).filter((item) => item.SK === 'MAILLOG');
    expect(log?.sends).toEqual([{ at: AFTERNOON.toISOString(), sendId: expect.any(String) }]);
  });

  it('skips with exited once the enrolment ended', async () => {
    const { contactId, phone } = await textableContact();
    await enrol(table, contactId, 'cart-recovery', `cart-recovery-${contactId}-1`, 'exited');

    expect(await makeSendSmsTask(deps().deps)(step(contactId))).toEqual({ outcome: 'skipped', reason: 'exited' });
    expect(textsTo(phone)).toHaveLength(0);
  });

  it('defers inside quiet hours to their end in the contact time zone, writing nothing', async () => {
    const { contactId, phone } = await textableContact();

    const output = await makeSendSmsTask(deps({}, LATE_EVENING).deps)(step(contactId));

    // 08:00 the next morning in New York (EDT from 8 March 2026).
    expect(output).toEqual({ outcome: 'deferred', until: '2026-03-11T12:00:00Z' });
    expect(textsTo(phone)).toHaveLength(0);
    expect(await eventsOf(table, contactId, 'sms.skipped')).toHaveLength(0);
  });

  it('judges quiet hours in the contact own time zone', async () => {
    const { contactId } = await textableContact();
    await table.documentClient.send(
      new UpdateCommand({ TableName: table.tableName, Key: keys.profile(contactId), UpdateExpression: 'SET attributes.time_zone = :zone', ExpressionAttributeValues: { ':zone': 'Europe/Paris' } }),
    );

    // 05:00 in Paris.
    expect(await makeSendSmsTask(deps({}, LATE_EVENING).deps)(step(contactId))).toEqual({ outcome: 'deferred', until: '2026-03-11T07:00:00Z' });
  });

  it('answers sms_disabled and sends nothing where SMS is off', async () => {
    const { contactId, phone } = await textableContact();

    expect(await makeSendSmsTask({ ...deps().deps, enabled: false })(step(contactId))).toEqual({ outcome: 'skipped', reason: 'sms_disabled' });
    expect(textsTo(phone)).toHaveLength(0);
  });
});

describe('a throttled send', () => {
  it('is retried by the state machine and then sends exactly once', async () => {
    const { contactId, phone } = await textableContact();
    // A fake only to inject the fault: End User Messaging throttles the first call.
    let throttle = true;
    const throttling: SmsGateway = {
      ...gateway,
      isOptedOut: (number) => gateway.isOptedOut(number),
      optOut: (number) => gateway.optOut(number),
      optIn: (number) => gateway.optIn(number),
      send: async (message) => {
        if (throttle) {
          throttle = false;
          throw new SmsThrottled('End User Messaging is busy: ThrottlingException');
        }
        return gateway.send(message);
      },
    };
    const task = makeSendSmsTask(deps({ gateway: throttling }).deps);

    await expect(task(step(contactId))).rejects.toThrow(SmsThrottled);
    expect(RETRYABLE_TASK_ERRORS).toContain('SmsThrottled');
    const [log] = (await table.partition(`CONTACT#${contactId}`)).filter((item) => item.SK === 'MAILLOG');
    expect(log?.sends ?? []).toEqual([]);

    expect((await task(step(contactId))).outcome).toBe('sent');
    expect(textsTo(phone)).toHaveLength(1);
  });

  it('names a refusal SmsSendFailed by the SDK error name, never its message', async () => {
    const refused = gateway.send({ to: '+1', body: 'hi', context: {} });

    await expect(refused).rejects.toThrow(SmsSendFailed);
    await expect(refused).rejects.toThrow('End User Messaging refused the call: ValidationException');
  });
});
