import type { Capability } from '../reactor/capability';
import type { AppendEvent } from '../shared/decisions';
import { toItem } from './dynamo-contacts';

/**
 * Contacts in the reactor: the timeline's keeper. It makes no decision of its own; it appends the events other
 * capabilities derive (deterministic ids), in the processed marker's transaction.
 */
export const contactsCapability: Capability<object, never, AppendEvent> = {
  name: 'contacts',
  events: [],
  rules: [],
  writes: {
    AppendEvent: (decision, { tableName }) => [{ item: { Put: { TableName: tableName, Item: toItem(decision.event) } } }],
  },
  calls: {},
};
