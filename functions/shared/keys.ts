/**
 * Item keys of the single table. Key shapes are stored forever: add new prefixes, never change these.
 *
 * | item                 | PK                          | SK                    |
 * | -------------------- | --------------------------- | --------------------- |
 * | contact profile      | CONTACT#<contactId>         | PROFILE               |
 * | email uniqueness     | EMAIL#<normalized>          | EMAIL                 |
 * | timeline event       | CONTACT#<contactId>         | EVENT#<eventId>       |
 * | daily metric counter | METRIC#<metric>#<shard>     | <yyyy-mm-dd>          |
 *
 * A metric's counters for a date range are one Query per shard (`SK BETWEEN from AND to`), never one read per
 * day. Shards spread a counter that every event writes over several partitions; see `metricShards`.
 */
export const keys = {
  profile: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'PROFILE' }),
  email: (normalizedEmail: string) => ({ PK: `EMAIL#${normalizedEmail}`, SK: 'EMAIL' }),
  event: (contactId: string, eventId: string) => ({ PK: `CONTACT#${contactId}`, SK: `${EVENT_PREFIX}${eventId}` }),
  metric: (metric: string, shard: number, day: string) => ({ PK: metricPartition(metric, shard), SK: day }),
};

export const EVENT_PREFIX = 'EVENT#';

export function metricPartition(metric: string, shard: number): string {
  return `METRIC#${metric}#${shard}`;
}
