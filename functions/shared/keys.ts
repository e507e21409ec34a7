/**
 * Item keys of the single table. Key shapes are stored forever: add new prefixes, never change these.
 *
 * | item                 | PK                          | SK                    |
 * | -------------------- | --------------------------- | --------------------- |
 * | contact profile      | CONTACT#<contactId>         | PROFILE               |
 * | email uniqueness     | EMAIL#<normalized>          | EMAIL                 |
 * | timeline event       | CONTACT#<contactId>         | EVENT#<eventId>       |
 * | daily metric counter | METRIC#<metric>#<shard>     | <yyyy-mm-dd>          |
 * | per-value counter    | METRIC#<metric>#<shard>     | <yyyy-mm-dd>#<encodeURIComponent(value)> |
 * | journey membership   | CONTACT#<contactId>         | JOURNEY#<journeyId>   |
 * | journey wait (token) | CONTACT#<contactId>         | WAIT#<execution>#<step> |
 * | date index (sweeps)  | CONTACT#<contactId>         | INDEX#DATE#<attribute> | GSI1: DATE#<attr>#<mm-dd> / <yyyy>#<contactId>
 * | report state         | CONTACT#<contactId>         | REPORTS               |
 * | program (costs)      | PROGRAMS                    | <programId>           |
 * | segment sweep cursor | SEGSWEEP                    | CURSOR                |
 * | experiment exposure  | CONTACT#<contactId>         | XP#<experimentId>     |
 * | segment state        | CONTACT#<contactId>         | SEG#<segmentId>       | GSI1 while a member: SEGMENT#<segmentId> / <contactId>; GSI2 while a window can lapse: SEGREVIEW#<yyyy-mm-ddThh> / <reviewAt>#<contactId> |
 * | broadcast            | BROADCAST#<broadcastId>     | BROADCAST             | GSI1: BROADCASTS / <createdAt>#<broadcastId> |
 * | API key              | APIKEY#<keyId>              | APIKEY                | GSI1: APIKEYS / <createdAt>#<keyId> |
 *
 * Per-contact state items use SK prefixes that sort after `EVENT#` (`STATE_SK_FLOOR`), so the reactor loads a
 * contact's profile and all its state with one Query (`SK >= STATE_SK_FLOOR`) without reading its timeline. A
 * state item keyed below the floor is invisible to the rules (the date index once was, as `DATEIDX#`, and was
 * rewritten on every event and never removed), so new state prefixes must sort at or after it.
 *
 * A metric's counters for a date range are one Query per shard (`SK BETWEEN from AND to`), never one read per
 * day. Shards spread a counter that every event writes over several partitions; see `metricShards`.
 *
 * A counter whose dimension has open-ended values (a lead's UTM source, which anyone posting a form chooses) is one
 * small item per day and value instead of an attribute per value on the day's item, which a flood of distinct
 * values would grow past DynamoDB's 400 KB item limit. Its values for a date range are still one Query per shard,
 * `SK BETWEEN <from> AND <to>$` (`metricValueRange`): the day is a fixed-width prefix and `#` sorts just before
 * `$`, so the range holds every value of every day in it and nothing else. The value is URI-encoded: no `#` in
 * it, and at most 60 characters of any text (`dimensionValue`) stay far below the 1,024-byte sort key limit.
 */
export const keys = {
  profile: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'PROFILE' }),
  email: (normalizedEmail: string) => ({ PK: `EMAIL#${normalizedEmail}`, SK: 'EMAIL' }),
  event: (contactId: string, eventId: string) => ({ PK: `CONTACT#${contactId}`, SK: `${EVENT_PREFIX}${eventId}` }),
  metric: (metric: string, shard: number, day: string) => ({ PK: metricPartition(metric, shard), SK: day }),
  metricValue: (metric: string, shard: number, day: string, value: string) => ({ PK: metricPartition(metric, shard), SK: metricValueSk(day, value) }),
  membership: (contactId: string, journeyId: string) => ({ PK: `CONTACT#${contactId}`, SK: `JOURNEY#${journeyId}` }),
  wait: (contactId: string, executionName: string, stepId: string) => ({
    PK: `CONTACT#${contactId}`,
    SK: `WAIT#${executionName}#${stepId}`,
  }),
  dateIndex: (contactId: string, attribute: string) => ({ PK: `CONTACT#${contactId}`, SK: `${DATE_INDEX_PREFIX}${attribute}` }),
  reportState: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'REPORTS' }),
  program: (programId: string) => ({ PK: 'PROGRAMS', SK: programId }),
  experimentExposure: (contactId: string, experimentId: string) => ({ PK: `CONTACT#${contactId}`, SK: `${EXPERIMENT_EXPOSURE_PREFIX}${experimentId}` }),
  segmentState: (contactId: string, segmentId: string) => ({ PK: `CONTACT#${contactId}`, SK: `${SEGMENT_STATE_PREFIX}${segmentId}` }),
  broadcast: (broadcastId: string) => ({ PK: `BROADCAST#${broadcastId}`, SK: 'BROADCAST' }),
  apiKey: (keyId: string) => ({ PK: `APIKEY#${keyId}`, SK: 'APIKEY' }),
};

export const API_KEYS_PARTITION = 'APIKEYS';

/** GSI1 keys of an API key: every key is one Query of `GSI1PK = APIKEYS`, oldest first. */
export function apiKeyListKeys(createdAt: string, keyId: string) {
  return { GSI1PK: API_KEYS_PARTITION, GSI1SK: `${createdAt}#${keyId}` };
}

/** SK prefix of a contact's exposure to one experiment (its arm, and whether it clicked or converted); a state item. */
export const EXPERIMENT_EXPOSURE_PREFIX = 'XP#';
/** GSI1 keys of a broadcast: every broadcast is one Query of `GSI1PK = BROADCASTS`, oldest first. */
export function broadcastListKeys(createdAt: string, broadcastId: string) {
  return { GSI1PK: BROADCASTS_PARTITION, GSI1SK: `${createdAt}#${broadcastId}` };
}

export const BROADCASTS_PARTITION = 'BROADCASTS';

/** SK prefix of a contact's per-segment state (membership and the behaviour it remembers); a state item. */
export const SEGMENT_STATE_PREFIX = 'SEG#';

/** GSI1 keys of a segment's member: a segment's members are one Query of `GSI1PK = SEGMENT#<id>`, in contact-id order. */
export function segmentMemberKeys(segmentId: string, contactId: string) {
  return { GSI1PK: segmentMembersPartition(segmentId), GSI1SK: contactId };
}

export function segmentMembersPartition(segmentId: string): string {
  return `SEGMENT#${segmentId}`;
}

/**
 * GSI2 keys of a segment state whose time window lapses at `reviewAt`: partitioned by the UTC hour, so the sweep
 * reads only the hours that have passed since its last run, and sorted by the moment and contact.
 */
export function segmentReviewKeys(reviewAt: string, contactId: string) {
  return { GSI2PK: segmentReviewPartition(reviewAt), GSI2SK: `${reviewAt}#${contactId}` };
}

export function segmentReviewPartition(at: string): string {
  return `SEGREVIEW#${at.slice(0, 13)}`;
}

/** Every per-contact state item's SK sorts at or after this; timeline events (`EVENT#…`) sort before it. */
export const STATE_SK_FLOOR = 'F';

/** GSI1 key of a date attribute's value, for the daily sweep: partition by month-day, sort by year and contact. */
export function dateIndexKeys(attribute: string, date: string, contactId: string) {
  return { GSI1PK: `DATE#${attribute}#${date.slice(5, 10)}`, GSI1SK: `${date.slice(0, 4)}#${contactId}` };
}

export const EVENT_PREFIX = 'EVENT#';
/** SK prefix of a contact's date-index items; a state item, so it sorts after `STATE_SK_FLOOR`. */
export const DATE_INDEX_PREFIX = 'INDEX#DATE#';

export function metricPartition(metric: string, shard: number): string {
  return `METRIC#${metric}#${shard}`;
}

/** The SK of a per-value counter: its day (or month item's first day), `#`, the value URI-encoded. */
export function metricValueSk(day: string, value: string): string {
  return `${day}#${encodeURIComponent(value)}`;
}

/** The day and the value of a per-value counter's SK (see {@link metricValueSk}). */
export function parseMetricValueSk(sk: string): { day: string; value: string } {
  const at = sk.indexOf('#');
  return { day: sk.slice(0, at), value: decodeURIComponent(sk.slice(at + 1)) };
}

/** The SK bounds (for `BETWEEN`) of every per-value counter from day `from` to day `to`, both inclusive. */
export function metricValueRange(from: string, to: string): [string, string] {
  return [from, `${to}$`];
}
