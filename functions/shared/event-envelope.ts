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
