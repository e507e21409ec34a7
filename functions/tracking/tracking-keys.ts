/**
 * Item keys of the tracking capability (stored forever; see functions/shared/keys.ts for the shared ones).
 *
 * | item                                   | PK                  | SK                  |
 * | -------------------------------------- | ------------------- | ------------------- |
 * | anonymous-id link (which contact)      | ANON#<anonymousId>  | LINK                |
 * | user-id link (which contact)           | USER#<userId>       | LINK                |
 * | activity not yet linked to a contact   | ANON#… or USER#…    | AEVENT#<eventId>    |
 * | first receipt of an untimed message    | IDEM#track#<who>#<messageId> | IDEM       |
 *
 * Pending activity uses `AEVENT#`, not `EVENT#`, so the reactor's stream filter never sees it: it reaches the
 * reactor when the merge copies it onto the contact's timeline.
 */
export const trackingKeys = {
  anonymousLink: (anonymousId: string) => ({ PK: `ANON#${anonymousId}`, SK: LINK }),
  userLink: (userId: string) => ({ PK: `USER#${userId}`, SK: LINK }),
  pendingEvent: (partition: string, eventId: string) => ({ PK: partition, SK: `${PENDING_PREFIX}${eventId}` }),
  /** `who` is `user:<userId>` or `anon:<anonymousId>`: a message id is unique only per sender. */
  messageReceipt: (who: string, messageId: string) => ({ PK: `IDEM#track#${who}#${messageId}`, SK: 'IDEM' }),
};

export const LINK = 'LINK';
export const PENDING_PREFIX = 'AEVENT#';

/**
 * A transaction's Update that links an id's item (`key`, a `LINK` item above) to the contact unless it already names
 * one: the first link wins, and the write never fails, so it cannot cancel the transaction it rides in.
 */
export function firstLink(tableName: string, key: { readonly PK: string; readonly SK: string }, contactId: string, now: string) {
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET contactId = if_not_exists(contactId, :c), linkedAt = if_not_exists(linkedAt, :now)',
      ExpressionAttributeValues: { ':c': contactId, ':now': now },
    },
  };
}
