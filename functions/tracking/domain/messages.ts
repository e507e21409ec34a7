import * as z from 'zod';
import { checkEmail, type EmailPolicy } from '../../shared/email-address';
import { EventName } from '../../shared/events';
import { cleanText, clip, hasInvisibleCharacters, singleLine } from '../../shared/field-values';
import type { IdentifiedData, PageViewedData, TrackedData, TrackingContext } from '../events';
import { describeFieldErrors, fieldErrors } from '../../shared/validation';
import type { FieldValue } from '../../shared/values';

/**
 * The Segment HTTP tracking API's messages (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/),
 * as far as Nurture reads them. Unknown properties (integrations, …) are accepted and ignored, as Segment does.
 */

/** Ids are keys (ANON#, USER#, event ids): refused with control characters, never changed into another id. */
const idText = z.string().min(1).max(200).refine((text) => !hasInvisibleCharacters(text), 'must not contain control or invisible characters');
const id = z.union([idText, z.number().transform(String)]);
const instant = z.iso.datetime({ offset: true }).or(z.iso.datetime({ local: false }));
const properties = z.record(z.string(), z.unknown());

const common = {
  userId: id.optional().nullable(),
  anonymousId: id.optional().nullable(),
  messageId: idText.optional(),
  /** When it happened, by the client's clock. */
  timestamp: instant.optional(),
  originalTimestamp: instant.optional(),
  /** When the client sent it, by the client's clock: the difference to our clock corrects `timestamp`. */
  sentAt: instant.optional(),
  context: properties.optional(),
};

export const TrackMessage = z.object({ ...common, type: z.literal('track').optional(), event: z.string().transform(singleLine).pipe(z.string().min(1).max(200)), properties: properties.optional() });
export const IdentifyMessage = z.object({ ...common, type: z.literal('identify').optional(), traits: properties.optional() });
export const PageMessage = z.object({
  ...common,
  type: z.literal('page').optional(),
  name: z.string().max(200).optional().nullable(),
  category: z.string().max(200).optional().nullable(),
  properties: properties.optional(),
});

export const MessageType = z.enum(['track', 'identify', 'page']);
export type MessageType = z.infer<typeof MessageType>;

const schemas = { track: TrackMessage, identify: IdentifyMessage, page: PageMessage } as const;

/** The largest batch Segment accepts, and the largest message. */
export const MAX_BATCH_EVENTS = 100;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_MESSAGE_BYTES = 32 * 1024;

/** Who a message is about: a known user id, else the browser's anonymous id. */
export interface Identity {
  readonly userId?: string;
  readonly anonymousId?: string;
}

/** A message ready to store: the timeline event, who it is about, and the id it is deduplicated by. */
export interface Inbound {
  readonly identity: Identity;
  readonly messageId?: string;
  /**
   * The client's own timestamp (uncorrected), stable across retries: the time part of a deterministic id.
   * Absent when the message carried none (a retry would then be received at another time).
   */
  readonly clientTime?: number;
  readonly event:
    | { type: typeof EventName.Tracked; occurredAt: string; data: TrackedData }
    | { type: typeof EventName.PageViewed; occurredAt: string; data: PageViewedData }
    | { type: typeof EventName.Identified; occurredAt: string; data: IdentifiedData };
  /** For identify: the email trait, checked and normalised as forms do (the key that finds or creates the contact). */
  readonly email?: string;
  /** The email is a role mailbox (info@, sales@): flagged on the profile, as forms do. */
  readonly emailRole?: boolean;
}

export type Parsed = { readonly type: 'Ok'; readonly inbound: Inbound } | { readonly type: 'Invalid'; readonly error: string };

/**
 * Parses one message of a known type. `receivedAt` is our clock; `batchSentAt` the batch's own `sentAt`.
 * Clock skew: `timestamp + (receivedAt - sentAt)`, as Segment does, never later than `receivedAt`.
 * An identify's email passes the forms' email rules (functions/shared/email-address.ts): normalisation, syntax,
 * 64-octet local part, disposable domains (`policy`; the handler passes the maintained list), role flag.
 */
export function parseMessage(
  type: MessageType,
  raw: unknown,
  receivedAt: Date,
  batch: { sentAt?: string; context?: Record<string, unknown> } = {},
  policy: Pick<EmailPolicy, 'isDisposable'> = { isDisposable: () => false },
): Parsed {
  const parsed = schemas[type].safeParse(raw);
  if (!parsed.success) {
    const [first] = fieldErrors(parsed.error, 'message');
    return { type: 'Invalid', error: first ? describeFieldErrors([first]) : 'message: invalid' };
  }
  const message = parsed.data;
  const userId = message.userId ?? undefined;
  const anonymousId = message.anonymousId ?? undefined;
  if (!userId && !anonymousId) return { type: 'Invalid', error: 'userId or anonymousId is required' };

  const received = receivedAt.getTime();
  const stamp = message.timestamp ?? message.originalTimestamp;
  const clientTime = stamp ? Date.parse(stamp) : Number.NaN;
  const sentAt = message.sentAt ?? batch.sentAt;
  const skew = stamp && sentAt ? received - Date.parse(sentAt) : 0;
  const occurred = Math.min(received, clientTime + skew);
  const occurredAt = new Date(Number.isFinite(occurred) ? occurred : received).toISOString();
  const context = { ...batch.context, ...message.context };
  const kept = contextOf(context);
  const messageId = message.messageId;
  const identity = { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}) };
  const base = { identity, ...(Number.isFinite(clientTime) ? { clientTime } : {}), ...(messageId ? { messageId } : {}) };

  switch (type) {
    case 'track': {
      const m = message as z.infer<typeof TrackMessage>;
      return {
        type: 'Ok',
        inbound: {
          ...base,
          event: {
            type: EventName.Tracked,
            occurredAt,
            data: {
              event: m.event,
              properties: storable(m.properties ?? {}) as Record<string, unknown>,
              source: 'track',
              ...(messageId ? { messageId } : {}),
              ...(kept ? { context: kept } : {}),
            },
          },
        },
      };
    }
    case 'page': {
      const m = message as z.infer<typeof PageMessage>;
      const props = { ...(isObject(context.page) ? context.page : {}), ...m.properties };
      const text = (value: unknown, max: number) => {
        const kept = typeof value === 'string' ? clip(singleLine(value), max) : '';
        return kept ? kept : undefined;
      };
      const url = text(props.url, 2_000);
      if (!url) return { type: 'Invalid', error: 'properties.url: a page view needs its URL' };
      const data: PageViewedData = {
        url,
        ...optional('path', text(props.path, 2_000)),
        ...optional('title', text(props.title, 500)),
        ...optional('name', text(m.name, 200)),
        ...optional('referrer', text(props.referrer, 2_000)),
        ...(messageId ? { messageId } : {}),
        ...(kept ? { context: kept } : {}),
      };
      return { type: 'Ok', inbound: { ...base, event: { type: EventName.PageViewed, occurredAt, data } } };
    }
    case 'identify': {
      const m = message as z.infer<typeof IdentifyMessage>;
      const { traits, dropped, email } = traitsOf(m.traits ?? {});
      if (email === null) return { type: 'Invalid', error: 'traits.email: must be a text value' };
      // An API caller cannot answer a typo suggestion: the address is taken as typed (confirmed), never refused as free mail.
      const checked = email ? checkEmail(email, { ...policy, rejectFreeMail: false, confirmed: true }) : undefined;
      if (checked?.type === 'Rejected') return { type: 'Invalid', error: `traits.email: ${checked.message}` };
      return {
        type: 'Ok',
        inbound: {
          ...base,
          ...(checked ? { email: checked.key, ...(checked.role ? { emailRole: true } : {}) } : {}),
          event: {
            type: EventName.Identified,
            occurredAt,
            data: {
              traits,
              ...(dropped ? { droppedTraits: dropped } : {}),
              ...(userId ? { userId } : {}),
              ...(messageId ? { messageId } : {}),
              ...(kept ? { context: kept } : {}),
            },
          },
        },
      };
    }
  }
}

/**
 * The part of Segment's `context` reports use (page, referrer, campaign, user agent, IP, locale): text values
 * only, each capped, everything else (device, library, traits, …) dropped. Undefined when nothing is left.
 */
export function contextOf(raw: Record<string, unknown>): TrackingContext | undefined {
  const text = (value: unknown, max: number) => {
    const kept = typeof value === 'string' ? clip(singleLine(value), max) : '';
    return kept ? kept : undefined;
  };
  const pick = <K extends string>(value: unknown, limits: Record<K, number>): Partial<Record<K, string>> | undefined => {
    if (!isObject(value)) return undefined;
    const picked: Partial<Record<K, string>> = {};
    for (const [key, max] of Object.entries(limits) as [K, number][]) {
      const kept = text(value[key], max);
      if (kept !== undefined) picked[key] = kept;
    }
    return Object.keys(picked).length > 0 ? picked : undefined;
  };
  const context: TrackingContext = {
    ...optional('page', pick(raw.page, { url: 2_000, path: 2_000, referrer: 2_000, search: 2_000, title: 500 })),
    ...optional('referrer', pick(raw.referrer, { type: 200, name: 200, url: 2_000, link: 2_000 })),
    ...optional('campaign', pick(raw.campaign, { name: 200, source: 200, medium: 200, term: 200, content: 200 })),
    ...optional('userAgent', text(raw.userAgent, 500)),
    ...optional('ip', text(raw.ip, 64)),
    ...optional('locale', text(raw.locale, 35)),
  };
  return Object.keys(context).length > 0 ? context : undefined;
}

/**
 * Traits as profile attributes: names in snake_case (`trialEndsAt` → `trial_ends_at`, as forms name fields),
 * values that are text, numbers or booleans (nested objects and lists are dropped and counted), `email` apart
 * (it is the key, not an attribute). Segment's `company: { name }` becomes `company`.
 */
export function traitsOf(raw: Record<string, unknown>): {
  traits: Record<string, FieldValue>;
  dropped: number;
  email: string | undefined | null;
} {
  const traits: Record<string, FieldValue> = {};
  let dropped = 0;
  let email: string | undefined | null;
  for (const [key, value] of Object.entries(raw)) {
    const name = snakeCase(key);
    if (name === 'email') {
      email = typeof value === 'string' ? value : value === undefined || value === null ? undefined : null;
      continue;
    }
    const scalar = name === 'company' && isObject(value) ? value.name : value;
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(name) || UNSTORABLE_KEYS.has(name)) {
      dropped++;
    } else if (typeof scalar === 'string') {
      traits[name] = clip(singleLine(scalar), 2_000);
    } else if (typeof scalar === 'number' || typeof scalar === 'boolean') {
      traits[name] = storable(scalar) as FieldValue;
    } else if (scalar !== undefined && scalar !== null) {
      dropped++;
    }
  }
  return { traits, dropped, email };
}

const MAX_DEPTH = 8;

/**
 * Properties as DynamoDB can store them and readers can trust: numbers DynamoDB or JavaScript cannot hold exactly
 * (past 2^53, past DynamoDB's 38-digit range) become their text, empty keys are dropped, and anything nested
 * deeper than 8 levels is kept as JSON text.
 */
/**
 * Keys a stored map cannot carry: the SDK's marshaller reads `value.constructor.name` to tell a plain map from a
 * Set, a Map or a class instance, so an own property named `constructor` makes a client's map unstorable (or,
 * shaped `{ name: 'Set' }`, misread). Prototype keys are dropped with it.
 */
const UNSTORABLE_KEYS = new Set(['constructor', '__proto__', 'prototype']);

export function storable(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    const magnitude = Math.abs(value);
    return !Number.isInteger(value) && magnitude < 1e100 && magnitude > 1e-100 ? value : String(value);
  }
  if (typeof value === 'string') return cleanText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return cleanText(JSON.stringify(value));
  if (Array.isArray(value)) return value.map((item) => storable(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => [cleanText(key), item] as const)
      .filter(([key]) => key !== '' && !UNSTORABLE_KEYS.has(key))
      .map(([key, item]) => [key, storable(item, depth + 1)]),
  );
}

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
