/**
 * Item keys of the single table. Key shapes are stored forever: add new prefixes, never change these.
 *
 * | item                 | PK                   | SK                    |
 * | -------------------- | -------------------- | --------------------- |
 * | contact profile      | CONTACT#<contactId>  | PROFILE               |
 * | email uniqueness     | EMAIL#<normalized>   | EMAIL                 |
 * | timeline event       | CONTACT#<contactId>  | EVENT#<eventId>       |
 * | daily metric counter | METRIC#<yyyy-mm-dd>  | <metric name>         |
 */
export const keys = {
  profile: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'PROFILE' }),
  email: (normalizedEmail: string) => ({ PK: `EMAIL#${normalizedEmail}`, SK: 'EMAIL' }),
  event: (contactId: string, eventId: string) => ({ PK: `CONTACT#${contactId}`, SK: `${EVENT_PREFIX}${eventId}` }),
  dailyMetric: (day: string, metric: string) => ({ PK: `METRIC#${day}`, SK: metric }),
};

export const EVENT_PREFIX = 'EVENT#';
