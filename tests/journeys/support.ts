import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect } from 'vitest';
import { journeys } from '../../functions/journeys/journeys';
import { stageRankOf } from '../../functions/scoring/domain/content';
import { simulate } from '../../lib/journeys/simulator';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';

/** How many journey minutes late a runtime email may be stamped and still count as at the simulator's minute. */
const MINUTES_LATE = 2;

/** Drives the real local runtime the way landing pages, sites and mail clients do, and reads what happened. */
export function journeyDriver(runtime: Runtime) {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }),
  );
  const admin = { authorization: `Bearer ${runtime.apiKey}`, 'content-type': 'application/json' };
  const writeKey = { authorization: `Basic ${Buffer.from('local-write-key:').toString('base64')}`, 'content-type': 'application/json' };

  const afternoonZone = () => zoneWhereItIs(14);

  const driver = {
    db,
    admin,
    /** The site identifies the visitor first (time zone, dates), as the tracking API does. */
    async identify(userId: string, traits: Record<string, unknown>) {
      const response = await fetch(`${runtime.url}/v1/identify`, { method: 'POST', headers: writeKey, body: JSON.stringify({ userId, traits: { time_zone: afternoonZone(), ...traits } }) });
      expect(response.status, await response.clone().text()).toBe(200);
      return driver.contactIdOf(String(traits.email));
    },
    /**
     * Moves the runtime's clock on, as a person opens an email a while after it arrives: a click within seconds of
     * the send is a link scanner's (content/email.yaml, tracking.scannerWindowSeconds) and resumes nothing.
     */
    async later(seconds: number) {
      const now = (await (await fetch(`${runtime.url}/dev/clock`)).json()) as { now: string };
      const response = await fetch(`${runtime.url}/dev/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ at: new Date(Date.parse(now.now) + seconds * 1_000).toISOString() }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    },
    /**
     * Waits until the stream functions (the reactor) have handled every event written before this call, and the SES
     * events sent so far are delivered (`GET /dev/idle`, local/clock.ts). It does not wait for what those reactions
     * start in turn: Step Functions executions, the CRM hand-off queue, or the events their handlers write later.
     */
    async idle() {
      const response = await fetch(`${runtime.url}/dev/idle`);
      expect(response.status, await response.clone().text()).toBe(200);
    },
    async track(userId: string, event: string, properties: Record<string, unknown> = {}) {
      const response = await fetch(`${runtime.url}/v1/track`, { method: 'POST', headers: writeKey, body: JSON.stringify({ userId, event, properties }) });
      expect(response.status, await response.clone().text()).toBe(200);
    },
    async postForm(formId: string, fields: Record<string, unknown>): Promise<string> {
      const response = await fetch(`${runtime.url}/forms/${formId}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: runtime.url }, body: JSON.stringify(fields) });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return ((await response.json()) as { contactId: string }).contactId;
    },
    async contactIdOf(email: string): Promise<string> {
      const found = await eventually(async () => (await fetch(`${runtime.url}/contacts?email=${encodeURIComponent(email)}`, { headers: admin })).status, (s) => s === 200);
      expect(found).toBe(200);
      const body = (await (await fetch(`${runtime.url}/contacts?email=${encodeURIComponent(email)}`, { headers: admin })).json()) as { contact: { contactId: string } };
      return body.contact.contactId;
    },
    async timeline(contactId: string): Promise<{ type: string; occurredAt: string; data: Record<string, unknown> }[]> {
      const response = await fetch(`${runtime.url}/contacts/${contactId}?limit=100`, { headers: admin });
      return ((await response.json()) as { timeline: { items: { type: string; occurredAt: string; data: Record<string, unknown> }[] } }).timeline.items.reverse();
    },
    async inbox(to: string): Promise<{ subject: string; html: string; messageId?: string }[]> {
      const store = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: { subject: string; body: { html?: string }; destination: { to: string[] } }[] };
      return store.emails.filter((m) => m.destination.to.some((address) => address.includes(to))).map((m) => ({ subject: m.subject, html: m.body.html ?? '' }));
    },
    /** The templates sent to a contact, from its timeline, in order. */
    async sent(contactId: string): Promise<string[]> {
      return (await driver.timeline(contactId)).filter((e) => e.type === 'email.sent').map((e) => String(e.data.templateId));
    },
    execution(journeyId: string, contactId: string) {
      return runtime.stepFunctions.executions().find((e) => e.name.startsWith(`${journeyId}-${contactId}-`));
    },
    async finished(journeyId: string, contactId: string, timeoutMs = 30_000) {
      const execution = await eventually(async () => driver.execution(journeyId, contactId), (e) => e !== undefined && e.status !== 'RUNNING', timeoutMs);
      expect(execution, `execution of ${journeyId} for ${contactId}`).toBeDefined();
      return execution!;
    },
    /** The contact's attributes, as the journey steps read them. */
    async attributes(contactId: string): Promise<Record<string, string | number | boolean>> {
      const response = await fetch(`${runtime.url}/contacts/${contactId}?limit=1`, { headers: admin });
      return ((await response.json()) as { contact: { attributes: Record<string, string | number | boolean> } }).contact.attributes;
    },
    /**
     * What the runtime did for the contact in a journey beside what the simulator predicts from the same start (the
     * execution's), the same time zone and the given attributes, events and consents (`subscriptions`): the steps, each email sent or stopped by
     * a guard (with its reason), and when, in whole minutes of journey time since the start (the runtime's steps
     * take a few real seconds more).
     */
    async versusSimulator(
      journeyId: string,
      contactId: string,
      attributes: Record<string, string | number>,
      events: Parameters<typeof simulate>[1]['events'] = [],
      subscriptions?: Record<string, { status: 'subscribed' | 'unsubscribed' | 'pending' }>,
    ) {
      const execution = driver.execution(journeyId, contactId);
      expect(execution, `execution of ${journeyId} for ${contactId}`).toBeDefined();
      const start = execution!.startDate;
      const { time_zone } = await driver.attributes(contactId);
      const predicted = await simulate(journeys.get(journeyId)!, {
        contact: { attributes: { ...(typeof time_zone === 'string' ? { time_zone } : {}), ...attributes }, ...(subscriptions ? { subscriptions } : {}) },
        events,
        stageRank: stageRankOf,
        start,
      });
      const minute = (at: string) => Math.floor((Date.parse(at) - start.getTime()) / 60_000);
      const outcomes = (await driver.timeline(contactId)).filter((e) => e.data.journeyId === journeyId && (e.type === 'email.sent' || e.type === 'email.skipped'));
      const simulatedOutcomes = [
        ...predicted.emails.map((e) => ({ at: e.at, email: e.templateId })),
        ...predicted.skipped.map((e) => ({ at: e.at, email: `${e.templateId} skipped: ${e.reason}` })),
      ].sort((a, b) => a.at.localeCompare(b.at));
      const predictedMinutes = simulatedOutcomes.map((e) => minute(e.at));
      // A step that waits its turn on a loaded machine stamps its email some real seconds late, which can cross a
      // minute: within MINUTES_LATE of the prediction counts as on time; anything further shows as it is.
      const onTime = (actual: number, i: number) => {
        const expected = predictedMinutes[i];
        return expected !== undefined && actual >= expected && actual - expected <= MINUTES_LATE ? expected : actual;
      };
      return {
        runtime: {
          steps: driver.steps(journeyId, contactId),
          emails: outcomes.map((e) => (e.type === 'email.sent' ? String(e.data.templateId) : `${String(e.data.templateId)} skipped: ${String(e.data.reason)}`)),
          minutes: outcomes.map((e) => minute(e.occurredAt)).map(onTime),
        },
        simulator: {
          steps: collapse(predicted.path.map((p) => p.state).filter((state) => !state.includes('.'))),
          emails: simulatedOutcomes.map((e) => e.email),
          minutes: predictedMinutes,
        },
      };
    },
    /**
     * The journey's own steps the execution went through, without the compiler's helper states, each once in a
     * row (a send deferred to the send window runs its step again when the window opens).
     */
    steps(journeyId: string, contactId: string): string[] {
      return collapse((driver.execution(journeyId, contactId)?.history ?? []).map((h) => h.name).filter((name) => !name.includes('.')));
    },
    async waits(contactId: string) {
      const page = await db.send(
        new QueryCommand({
          TableName: runtime.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :wait)',
          ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}`, ':wait': 'WAIT#' },
          ConsistentRead: true,
        }),
      );
      return page.Items ?? [];
    },
    async crmContacts(): Promise<{ email?: string; properties: Record<string, string> }[]> {
      const response = await fetch(`${runtime.url}/dev/crm`, { headers: { accept: 'application/json' } });
      return ((await response.json()) as { contacts: { email?: string; properties: Record<string, string> }[] }).contacts;
    },
  };
  return driver;
}

/**
 * The end-to-end tests' setup, for the calling file: the real local runtime in this process (free ports, its own
 * table in the run's DynamoDB Local, journey time passing `timeScale` times faster), started before the file's tests
 * and stopped after them. `ready` receives the runtime and a driver for it once it runs.
 */
export function useLocalRuntime(
  options: { readonly tableName: string; readonly timeScale: number },
  ready: (runtime: Runtime, drive: JourneyDriver) => void,
): void {
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    runtime = await startTestRuntime(options);
    ready(runtime, journeyDriver(runtime));
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
  });
}

/** A UTC offset zone (`Etc/GMT-3`) where the local hour is now `hour`: inside or outside the send window at will. */
export function zoneWhereItIs(hour: number): string {
  const offset = (hour - new Date().getUTCHours() + 24) % 24;
  return offset === 0 ? 'Etc/GMT' : offset <= 12 ? `Etc/GMT-${offset}` : `Etc/GMT+${24 - offset}`;
}

/** What `journeyDriver` returns. */
export type JourneyDriver = ReturnType<typeof journeyDriver>;

let emails = 0;
/** An address no other test of the run uses (runtimes outlive a test; addresses must not collide). */
export const uniqueEmail = (name: string) => `${name}-${Date.now()}-${emails++}@example.com`;

export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

/** The simulator's run of a shipped journey for a contact and its events (started on a weekday afternoon). */
export async function simulated(journeyId: string, attributes: Record<string, string | number>, events: Parameters<typeof simulate>[1]['events'] = []) {
  return simulate(journeys.get(journeyId)!, { contact: { attributes }, events, stageRank: stageRankOf, start: new Date('2026-11-23T15:00:00Z') });
}

/** The simulator's path for the same contact and events, as the journey's own step ids. */
export async function simulatedSteps(journeyId: string, attributes: Record<string, string | number>, events: Parameters<typeof simulate>[1]['events'] = []) {
  const result = await simulated(journeyId, attributes, events);
  return collapse(result.path.map((p) => p.state).filter((state) => !state.includes('.')));
}

/** A path with repeated steps in a row counted once. */
export function collapse(steps: readonly string[]): string[] {
  return steps.filter((step, i) => step !== steps[i - 1]);
}

/** The tracked links of an email, in order. */
export function trackedLinks(html: string): string[] {
  return [...html.matchAll(/href="([^"]*\/t\/c\/[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}
