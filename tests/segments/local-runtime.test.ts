import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import { queryAll } from '../../functions/shared/query';
import { keys, segmentMembersPartition } from '../../functions/shared/keys';
import { journeyDriver } from '../journeys/support';

/**
 * Segments through the real local parts: the tracking API writes events, the stream feeds the reactor, which
 * writes membership and segment.entered / segment.exited; the sweep lapses windows; a journey starts on entry.
 */
let runtime: Runtime;
let driver: ReturnType<typeof journeyDriver>;
const NOW = '2026-03-10T14:00:00.000Z';

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'segments-local', timeScale: 86_400 });
  driver = journeyDriver(runtime);
  const clock = await fetch(`${runtime.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: NOW }) });
  expect(clock.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

async function timeline(contactId: string) {
  const items = await queryAll(driver.db, {
    TableName: runtime.tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :event)',
    ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':event': 'EVENT#' },
  });
  return items.map((item) => ({ type: String(item.type), data: item.data as Record<string, unknown> }));
}

async function members(segmentId: string): Promise<string[]> {
  const { Items = [] } = await driver.db.send(
    new QueryCommand({ TableName: runtime.tableName, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': segmentMembersPartition(segmentId) } }),
  );
  return Items.map((item) => String(item.contactId));
}

describe('segments in the local runtime', () => {
  it('puts a contact in a segment as its event is tracked, readable by segment without a scan, with the reason', async () => {
    // Prepare
    const contactId = await driver.identify('user-webinar', { email: 'webinar.guest@example.com' });

    // Act
    await driver.track('user-webinar', 'webinar_attended', { webinar: 'q4-product-tour' });
    await driver.idle();

    // Assess
    expect(await members('webinar-attendees')).toContain(contactId);
    const entered = (await timeline(contactId)).filter((event) => event.type === 'segment.entered');
    expect(entered).toEqual([
      { type: 'segment.entered', data: expect.objectContaining({ segmentId: 'webinar-attendees', reason: 'webinar_attended: matches webinar_attended where webinar == q4-product-tour ever' }) },
    ]);
  });

  it('starts a journey whose trigger is entering the segment', async () => {
    const contactId = await driver.identify('user-webinar-2', { email: 'second.guest@example.com' });

    await driver.track('user-webinar-2', 'webinar_attended', { webinar: 'q4-product-tour' });
    await driver.idle();
    await driver.idle();

    expect((await timeline(contactId)).filter((event) => event.type === 'journey.entered').map((event) => event.data.journeyId)).toEqual(['webinar-follow-up']);
  });

  it('leaves a segment when its time window ends, through the sweep, and says so', async () => {
    // Prepare
    const contactId = await driver.identify('user-cart', { email: 'cart.person@example.com' });
    await driver.track('user-cart', 'checkout_started', { value: 120 });
    await driver.idle();
    expect(await members('cart-abandoners')).toContain(contactId);

    // Act: a day and an hour later, the sweep finds the window ended.
    await driver.later(25 * 3_600);
    const swept = (await runtime.invoke('segmentSweep', {})) as { due: number; appended: number };
    await driver.idle();

    // Assess
    expect(swept.appended).toBeGreaterThanOrEqual(1);
    expect(await members('cart-abandoners')).not.toContain(contactId);
    const exited = (await timeline(contactId)).filter((event) => event.type === 'segment.exited');
    expect(exited).toEqual([{ type: 'segment.exited', data: expect.objectContaining({ segmentId: 'cart-abandoners', reason: expect.stringMatching(/^a time window ended: no longer matches checkout_started within 1d/) }) }]);
  });

  it('appends nothing twice when the sweep runs again before or after the reactor caught up', async () => {
    const again = (await runtime.invoke('segmentSweep', {})) as { due: number; appended: number };

    expect(again.appended).toBe(0);
  });
});
