import type { Capability } from '../reactor/capability';
import { lifecycle } from '../scoring/domain/content';
import type { AppendEvent } from '../shared/decisions';
import { keys } from '../shared/keys';
import { contactEvents } from './events';
import { StoredIndexEntry, searchIndexRule, type ContactsState, type IndexContact } from './domain/index-rule';
import { SEARCH_INDEX_PREFIX } from './domain/search-index';
import { indexItem } from './dynamo-upsert';
import { toItem } from './dynamo-contacts';

/**
 * Contacts in the reactor: the timeline's keeper, and the search index's. It appends the events other capabilities
 * derive (deterministic ids), and brings a contact's search index entries in line with its profile, in the
 * processed marker's transaction.
 */
export const contactsCapability: Capability<ContactsState, IndexContact, AppendEvent | IndexContact> = {
  name: 'contacts',
  events: contactEvents,
  state: { searchIndex: { prefix: SEARCH_INDEX_PREFIX, schema: StoredIndexEntry } },
  rules: [searchIndexRule(lifecycle.initial)],
  writes: {
    AppendEvent: (decision, { tableName }) => [{ item: { Put: { TableName: tableName, Item: toItem(decision.event) } } }],
    IndexContact: (decision, { tableName }) => [
      ...decision.put.map((entry) => ({ item: { Put: { TableName: tableName, Item: indexItem(decision.contactId, entry) } } })),
      ...decision.remove.map((sk) => ({ item: { Delete: { TableName: tableName, Key: { PK: keys.profile(decision.contactId).PK, SK: sk } } } })),
    ],
  },
  calls: {},
};
