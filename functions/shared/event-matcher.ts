import * as z from 'zod';
import type { TimelineEvent } from './timeline';

/** A test on one field of an event's data: equal to a value, or (for strings) containing or starting with text. */
const FieldTest = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.strictObject({ contains: z.string().min(1) }),
  z.strictObject({ startsWith: z.string().min(1) }),
]);

/**
 * Which timeline events a rule reacts to: one event type (or several), and optionally tests on fields of the
 * event's `data` (dot paths), e.g. `{ type: event.tracked, where: { event: webinar_attended } }`.
 */
export const EventMatcher = z.strictObject({
  type: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  where: z.record(z.string().min(1), FieldTest).optional(),
});
export type EventMatcher = z.infer<typeof EventMatcher>;

/** The event types and data tests an event must pass. Unknown types simply never match. */
export function matches(matcher: EventMatcher, event: Pick<TimelineEvent, 'type' | 'data'>): boolean {
  if (typeof matcher.type === 'string' ? matcher.type !== event.type : !matcher.type.includes(event.type)) return false;
  if (!matcher.where) return true;
  // for…in, not Object.entries: no array per call (a replay matches millions of events).
  for (const path in matcher.where) {
    const test = matcher.where[path]!;
    const value = valueAt(event.data, path);
    if (typeof test === 'object') {
      if (typeof value !== 'string') return false;
      const text = value.toLowerCase();
      if ('contains' in test ? !text.includes(test.contains.toLowerCase()) : !text.startsWith(test.startsWith.toLowerCase())) {
        return false;
      }
    } else if (value !== test) {
      return false;
    }
  }
  return true;
}

function valueAt(data: unknown, path: string): unknown {
  if (!path.includes('.')) return typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[path] : undefined;
  let value = data;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
