import * as z from 'zod';
import { UTM_KEYS } from './values';

/**
 * What every timeline event shares, whichever capability declares it: the envelope, the value schemas several
 * capabilities' data reuse, and {@link timelineEventSchema} to declare one event type. Each capability declares its
 * own events with these in `functions/<capability>/events.ts`; `functions/shared/timeline.ts` composes them.
 */

export const FieldValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export const UtmSchema = z.partialRecord(z.enum(UTM_KEYS), z.string());

/** What every event carries besides its type and data. */
export const envelope = {
  /** A ULID (or a deterministic id for events derived from an external id): sorts by time. */
  eventId: z.string().min(1),
  contactId: z.string().min(1),
  occurredAt: z.iso.datetime(),
  /** Set once by the reactor when it has applied the rules to this event. */
  processedAt: z.iso.datetime().optional(),
};

/** One event type: the envelope, its stored `type` name (never renamed) and its data's schema. */
export const timelineEventSchema = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ ...envelope, type: z.literal(type), data });

/** The schema of one event type, as {@link timelineEventSchema} builds it. */
export type TimelineEventSchema<T extends string, D extends z.ZodType> = ReturnType<typeof timelineEventSchema<T, D>>;

/** One event type of a capability: its stored name and its data's schema. */
export interface EventSpec<T extends string = string, D extends z.ZodType = z.ZodType> {
  readonly type: T;
  readonly data: D;
}

/** Declares one event type: `event('email.sent', EmailSentData)`. */
export const event = <const T extends string, D extends z.ZodType>(type: T, data: D): EventSpec<T, D> => ({ type, data });

type Specs = Readonly<Record<string, EventSpec>>;
type SchemaOf<S extends Specs> = { [K in keyof S]: S[K] extends EventSpec<infer T, infer D> ? TimelineEventSchema<T, D> : never }[keyof S];

/** A capability's events, declared once: their names (composed into `EventName`) and their schemas (into the timeline union). */
export interface EventGroup<S extends Specs> {
  readonly names: { readonly [K in keyof S]: S[K]['type'] };
  readonly schemas: readonly [SchemaOf<S>, ...SchemaOf<S>[]];
}

/** A capability's event group from one object, `{ EmailSent: event('email.sent', EmailSentData), … }`. */
export function eventGroup<const S extends Specs>(specs: S): EventGroup<S> {
  const entries = Object.entries(specs);
  return {
    names: Object.fromEntries(entries.map(([key, spec]) => [key, spec.type])) as EventGroup<S>['names'],
    schemas: entries.map(([, spec]) => timelineEventSchema(spec.type, spec.data)) as unknown as EventGroup<S>['schemas'],
  };
}
