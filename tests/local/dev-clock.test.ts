import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devClockPages, VirtualClock } from '../../local/clock';
import { startGateway, type Gateway } from '../../local/gateway';
import { eventsFor } from '../../local/ses-events';

const clock = new VirtualClock();
let idleAnswer = true;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    routes: [],
    handlers: {},
    locals: devClockPages(clock, async () => idleAnswer),
    health: async () => ({ ok: true }),
  });
});

afterAll(async () => {
  await gateway?.close();
});

const post = (body: unknown) =>
  fetch(`${gateway.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the local runtime development clock', () => {
  it('moves to the time posted and keeps running from there', async () => {
    // Act
    const response = await post({ at: '2026-09-01T08:00:00.000Z' });

    // Assess
    expect(response.status).toBe(200);
    const { now } = (await response.json()) as { now: string };
    expect(Date.parse(now) - Date.parse('2026-09-01T08:00:00.000Z')).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now().getTime()).toBeGreaterThan(Date.parse(now));
    const read = (await (await fetch(`${gateway.url}/dev/clock`)).json()) as { now: string; offsetMs: number };
    expect(read.now.slice(0, 10)).toBe('2026-09-01');
  });

  it('goes back to real time on reset', async () => {
    await post({ at: '2020-01-01T00:00:00Z' });

    const response = await post({ reset: true });

    expect(((await response.json()) as { offsetMs: number }).offsetMs).toBe(0);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
  });

  it('refuses a body that is neither a time nor a reset, and leaves the clock alone', async () => {
    await post({ reset: true });

    for (const body of [{ at: 'yesterday' }, { at: '2026-09-01T08:00:00Z', extra: 1 }, { reset: false }, 'now']) {
      expect((await post(body)).status).toBe(400);
    }
    expect(clock.offset).toBe(0);
  });

  it('answers 503 from /dev/idle when the reactor does not settle', async () => {
    idleAnswer = false;
    expect((await fetch(`${gateway.url}/dev/idle`)).status).toBe(503);
    idleAnswer = true;
    expect(await (await fetch(`${gateway.url}/dev/idle`)).json()).toEqual({ idle: true });
  });
});

describe('the local SES mailbox simulator', () => {
  it('bounces and complains for labelled simulator addresses too, so each such lead is a contact of its own', () => {
    const request = (to: string) => ({ FromEmailAddress: 'hello@example.com', Destination: { ToAddresses: [to] } });
    const types = (to: string) => eventsFor(request(to), 'm-1', { region: 'eu-west-1', account: '000000000000' }).map((e) => e['detail-type']);

    expect(types('bounce+seed-7@simulator.amazonses.com')).toEqual(['Email Bounced']);
    expect(types('complaint+seed-8@simulator.amazonses.com')).toEqual(['Email Delivered', 'Email Complaint Received']);
    expect(types('bounce+seed-7@example.com')).toEqual(['Email Delivered']);
  });

  it('stamps events with the clock it is given', () => {
    const at = new Date('2026-09-01T08:00:00.000Z');
    const [event] = eventsFor({ Destination: { ToAddresses: ['a@example.com'] } }, 'm-2', { region: 'eu-west-1', account: '000000000000', now: () => at });

    expect(event!.time).toBe('2026-09-01T08:00:00Z');
    expect((event!.detail.delivery as { timestamp: string }).timestamp).toBe(at.toISOString());
  });
});
