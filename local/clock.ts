import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import type { Clock } from '../functions/shared/ids';

/**
 * The local runtime's one clock: real time plus an offset the seed moves (`POST /dev/clock`), so a synthetic
 * history can be posted day by day through the real ingestion path. Time keeps running from wherever it is set.
 */
export class VirtualClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** From now on, `now()` is `at` plus the real time elapsed since this call. */
  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }

  get offset(): number {
    return this.offsetMs;
  }
}

const ClockRequest = z.union([z.strictObject({ at: z.iso.datetime({ offset: true }) }), z.strictObject({ reset: z.literal(true) })]);

/** A stream record's key, as the drain's marker is written (`PK = DEV#drain`, `SK = <id>`). */
const markerIdOf = (record: DynamoDBRecord) => (record.dynamodb?.Keys?.PK?.S === DRAIN_PK ? record.dynamodb.Keys.SK?.S : undefined);
export const DRAIN_PK = 'DEV#drain';

interface Watched {
  readonly seen: Set<string>;
  inFlight: number;
}

/**
 * Tells when the stream functions have dealt with everything written so far. Busy journeys keep the stream from
 * ever falling quiet, so instead it writes a marker item and waits until every poller has read past it and
 * handed the batch before it to its function: the stream is read in order, so every earlier record is handled.
 */
export class StreamDrain {
  private readonly watched: Watched[] = [];

  /** Wraps one poller's filter and handler. */
  watch<H extends (...args: never[]) => Promise<unknown>>(filter: (record: DynamoDBRecord) => boolean, handler: H) {
    const state: Watched = { seen: new Set(), inFlight: 0 };
    this.watched.push(state);
    return {
      filter: (record: DynamoDBRecord) => {
        const marker = markerIdOf(record);
        if (marker === undefined) return filter(record);
        state.seen.add(marker);
        return false;
      },
      handler: (async (...args: Parameters<H>) => {
        state.inFlight++;
        try {
          return await handler(...args);
        } finally {
          state.inFlight--;
        }
      }) as H,
    };
  }

  /**
   * Writes a marker and waits for every poller to pass it with nothing in flight; false if that takes longer than
   * `timeoutMs`. One round is enough for the dates: what the reactor derives while handling (stage changes,
   * journey events) carries its cause's `occurredAt`, whenever it is itself handled.
   */
  async drained(marker: { write(id: string): Promise<void>; remove(id: string): Promise<void> }, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const id = randomUUID();
    await marker.write(id);
    try {
      while (!this.watched.every((w) => w.seen.has(id) && w.inFlight === 0)) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return true;
    } finally {
      for (const w of this.watched) w.seen.delete(id);
      await marker.remove(id);
    }
  }
}

type Local = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The runtime's development endpoints, served by the local gateway only (they are not in the route registry, so
 * never deployed) and only to callers on this machine:
 * - `GET /dev/clock` → `{ now, offsetMs }`; `POST /dev/clock` with `{"at": ISO}` or `{"reset": true}` moves it.
 * - `GET /dev/idle` answers once the stream functions have handled everything written before the call, the SES
 *   events and CRM hand-offs that set off are delivered, and the stream has handled their writes too (503 if a
 *   drain takes over a minute). Journey executions sitting in a wait are not waited for.
 */
export function devClockPages(clock: VirtualClock, idle: () => Promise<boolean>): Record<string, Local> {
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  };
  const state = () => ({ now: clock.now().toISOString(), offsetMs: clock.offset });
  const loopback = (req: IncomingMessage) => ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
  return {
    '/dev/clock': async (req, res) => {
      if (!loopback(req)) return answer(res, 403, { message: 'The development clock answers local callers only' });
      if (req.method === 'GET') return answer(res, 200, state());
      if (req.method !== 'POST') return answer(res, 405, { message: 'Method Not Allowed' });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const parsed = ClockRequest.safeParse(body);
      if (!parsed.success) return answer(res, 400, { message: 'Expected {"at": "<ISO 8601 time>"} or {"reset": true}' });
      if ('at' in parsed.data) clock.set(new Date(parsed.data.at));
      else clock.reset();
      return answer(res, 200, state());
    },
    '/dev/idle': async (req, res) => {
      if (!loopback(req)) return answer(res, 403, { message: 'The development endpoints answer local callers only' });
      if (req.method !== 'GET') return answer(res, 405, { message: 'Method Not Allowed' });
      return (await idle()) ? answer(res, 200, { idle: true }) : answer(res, 503, { idle: false });
    },
  };
}
