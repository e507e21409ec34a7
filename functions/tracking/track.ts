import { timingSafeEqual } from 'node:crypto';
import { ContactContended } from '../contacts/contacts';
import {
  annotate,
  BadRequest,
  header,
  HttpError,
  httpHandler,
  json,
  NotFound,
  ServiceBusy,
  type HttpEvent,
  type HttpResult,
} from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_MESSAGE_BYTES,
  MessageType,
  parseMessage,
  type Inbound,
} from './domain/messages';
import type { StoreOutcome, Tracking } from './tracking';

export interface TrackDeps {
  readonly tracking: Tracking;
  /** The write key(s) sites authenticate with (Basic-auth username, as Segment). */
  readonly writeKey: () => Promise<string>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Domains of disposable mailbox services: an identify with such an email is rejected, as a form post is. */
  readonly isDisposable: (domain: string) => boolean;
}

export class InvalidWriteKey extends HttpError {
  override name = 'InvalidWriteKey';
  constructor() {
    super(401, 'unauthorized', 'A valid write key is required (Basic auth username)', {}, { 'www-authenticate': 'Basic realm="nurture"' });
  }
}

export class TooLarge extends HttpError {
  override name = 'TooLarge';
  constructor(limit: string) {
    super(413, 'payload_too_large', `The request is over the limit: ${limit}`);
  }
}

/** Segment message types that are accepted and ignored: sites send them, Nurture has no use for them yet. */
const IGNORED_TYPES = new Set(['alias', 'group', 'screen']);

/**
 * `POST /v1/track|identify|page|batch`, compatible with Segment's HTTP tracking API: a site using a Segment SDK
 * points it at Nurture by changing the host. `OPTIONS` answers browsers' preflights (any origin: the write key,
 * not the origin, is the credential, as with Segment).
 */
export const makeTrack =
  (deps: TrackDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    if (event.requestContext.http.method === 'OPTIONS') {
      return {
        statusCode: 204,
        headers: {
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': header(event, 'access-control-request-headers') ?? 'content-type, authorization',
          'access-control-max-age': '86400',
        },
      };
    }
    const type = event.pathParameters?.type ?? '';
    if (type !== 'batch' && !MessageType.safeParse(type).success && !IGNORED_TYPES.has(type)) {
      throw new NotFound(`There is no tracking call "${type.slice(0, 50)}"`);
    }
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (Buffer.byteLength(raw) > (type === 'batch' ? MAX_BATCH_BYTES : MAX_MESSAGE_BYTES)) {
      throw new TooLarge(type === 'batch' ? '500 KB per batch' : '32 KB per message');
    }
    const body = parseBody(raw);
    await authenticate(deps, event, body);
    const receivedAt = deps.clock.now();

    if (type !== 'batch') {
      if (IGNORED_TYPES.has(type)) return json(200, { success: true, ignored: 1 });
      const parsed = parseMessage(type as MessageType, body, receivedAt, {}, deps);
      if (parsed.type === 'Invalid') throw new BadRequest(parsed.error, 'invalid_message');
      const [outcome] = await store(deps, [parsed.inbound], receivedAt);
      annotate(event, { outcome: outcome?.type });
      if (outcome?.type === 'Invalid') throw new BadRequest(outcome.error, 'invalid_message');
      return json(200, { success: true });
    }

    const batch = body.batch;
    if (!Array.isArray(batch)) throw new BadRequest('A batch is { "batch": [messages] }', 'invalid_batch');
    if (batch.length > MAX_BATCH_EVENTS) throw new TooLarge(`${MAX_BATCH_EVENTS} messages per batch`);
    const shared = {
      ...(typeof body.sentAt === 'string' ? { sentAt: body.sentAt } : {}),
      ...(isObject(body.context) ? { context: body.context } : {}),
    };
    const rejected: { index: number; messageId?: string; error: string }[] = [];
    const accepted: { index: number; inbound: Inbound }[] = [];
    let ignored = 0;
    batch.forEach((message: unknown, index) => {
      const messageType = isObject(message) ? message.type : undefined;
      const messageId = isObject(message) && typeof message.messageId === 'string' ? message.messageId.slice(0, 200) : undefined;
      const reject = (error: string) => rejected.push({ index, ...(messageId ? { messageId } : {}), error });
      if (typeof messageType === 'string' && IGNORED_TYPES.has(messageType)) return void ignored++;
      const known = MessageType.safeParse(messageType);
      if (!known.success) return reject('type: must be track, identify or page');
      if (JSON.stringify(message).length > MAX_MESSAGE_BYTES) return reject('message: over 32 KB');
      const parsed = parseMessage(known.data, message, receivedAt, shared, deps);
      if (parsed.type === 'Invalid') return reject(parsed.error);
      accepted.push({ index, inbound: parsed.inbound });
    });
    const outcomes = await store(deps, accepted.map((a) => a.inbound), receivedAt);
    let stored = 0;
    let pending = 0;
    outcomes.forEach((outcome, n) => {
      if (outcome.type === 'Stored') stored++;
      else if (outcome.type === 'Pending') pending++;
      else rejected.push({ index: accepted[n]!.index, error: outcome.error });
    });
    annotate(event, { messages: batch.length, stored, pending, rejected: rejected.length });
    rejected.sort((a, b) => a.index - b.index);
    return json(200, { success: true, stored, pending, ignored, rejected });
  };

export function makeTrackHandler(deps: TrackDeps) {
  return httpHandler(makeTrack(deps), {
    logger: deps.logger,
    maxBodyBytes: MAX_BATCH_BYTES,
    responseHeaders: () => ({ 'access-control-allow-origin': '*' }),
  });
}

async function store(deps: TrackDeps, messages: readonly Inbound[], receivedAt: Date): Promise<StoreOutcome[]> {
  if (messages.length === 0) return [];
  return deps.tracking.store(messages, receivedAt).catch((error: unknown) => {
    if (error instanceof ContactContended) throw new ServiceBusy();
    throw error;
  });
}

/** Basic auth with the write key as the username (Segment's scheme), or `writeKey` in the body (analytics.js). */
async function authenticate(deps: TrackDeps, event: HttpEvent, body: Record<string, unknown>): Promise<void> {
  const authorization = header(event, 'authorization');
  let presented: string | undefined;
  if (authorization?.startsWith('Basic ')) {
    presented = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8').split(':')[0];
  } else if (typeof body.writeKey === 'string') {
    presented = body.writeKey;
  }
  const expected = Buffer.from(await deps.writeKey());
  const given = Buffer.from(presented ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidWriteKey();
}

function parseBody(raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new BadRequest('The body is not valid JSON', 'malformed_json');
  }
  if (!isObject(value)) throw new BadRequest('The body must be a JSON object', 'malformed_json');
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
