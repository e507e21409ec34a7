import { beforeAll, describe, expect, it } from 'vitest';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { EventName } from '../../functions/shared/events';
import type { Clock } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import { DynamoTracking } from '../../functions/tracking/dynamo-tracking';
import { makeTrackHandler } from '../../functions/tracking/track';
import { httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const WRITE_KEY = 'test-write-key';
const RAW_EVENT_RETENTION_DAYS = 12;
const now = new Date('2026-12-02T09:30:00.000Z');
const clock: Clock = { now: () => now };
let table: TestTable;
let track: ReturnType<typeof makeTrackHandler>;

beforeAll(async () => {
  table = await createTestTable();
  const tracking = new DynamoTracking(table.documentClient, table.tableName, RAW_EVENT_RETENTION_DAYS);
  track = makeTrackHandler({ tracking, writeKey: async () => WRITE_KEY, clock, logger: memoryLogger(), isDisposable: disposableDomains() });
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${sequence++}`;
const call = (type: string, body: unknown) =>
  track(
    httpEvent({
      routeKey: 'POST /v1/{type}',
      path: `/v1/${type}`,
      pathParameters: { type },
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify(body),
    }),
    lambdaContext(),
  );
const pendingOf = async (anonymousId: string) => (await table.partition(`ANON#${anonymousId}`)).filter((item) => String(item.SK).startsWith('AEVENT#'));

describe('raw-event retention', () => {
  it('lets DynamoDB delete activity nobody identified after the environment\'s retention', async () => {
    // Prepare
    const anonymousId = unique('anon');

    // Act
    const answer = await call('track', { anonymousId, event: 'pricing_viewed', messageId: unique('m') });

    // Assess
    expect(answer.statusCode).toBe(200);
    const [pending, ...more] = await pendingOf(anonymousId);
    expect(more).toEqual([]);
    expect(pending?.expiresAt).toBe(Math.floor(now.getTime() / 1_000) + RAW_EVENT_RETENTION_DAYS * 86_400);
  });

  it('keeps the event forever once its visitor is identified: the timeline copy carries no expiry', async () => {
    // Prepare
    const anonymousId = unique('anon');
    const email = `${unique('identified')}@example.com`;
    await call('track', { anonymousId, event: 'demo_watched', messageId: unique('m') });

    // Act
    await call('identify', { anonymousId, userId: unique('user'), traits: { email } });

    // Assess
    expect(await pendingOf(anonymousId)).toEqual([]);
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;
    const tracked = (await table.partition(keys.profile(contactId).PK)).filter((item) => item.type === EventName.Tracked);
    expect(tracked).toHaveLength(1);
    expect(tracked[0]).not.toHaveProperty('expiresAt');
  });
});
