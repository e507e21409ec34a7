import { EVENT_PREFIX } from '../shared/keys';

/**
 * Which stream records reach the reactor: newly inserted timeline events only (not profile updates, not the
 * reactor's own marker writes). Written in the Lambda event-filtering pattern syntax; the CDK event source
 * mapping uses it as is and the local stream poller evaluates it with {@link matchesFilter}.
 */
export const timelineInsertFilter = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { SK: { S: [{ prefix: EVENT_PREFIX }] } } },
} as const;

type Pattern = { readonly [key: string]: Pattern | readonly (string | { readonly prefix: string })[] };

/** Evaluates the subset of the event-filtering syntax the project uses: exact strings and `prefix`. */
export function matchesFilter(record: unknown, pattern: Pattern = timelineInsertFilter): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = isObject(record) ? record[key] : undefined;
    if (Array.isArray(expected)) {
      return expected.some((rule) =>
        typeof rule === 'string' ? actual === rule : typeof actual === 'string' && actual.startsWith(rule.prefix),
      );
    }
    return matchesFilter(actual, expected as Pattern);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
