import * as z from 'zod';
import type { ReactorState, Rule } from '../../reactor/domain/decisions';
import { indexChanges, indexEntries, type IndexEntry } from './search-index';

/** A search index entry as stored, parsed back with this schema (its keys are all it holds). */
export const StoredIndexEntry = z.object({ SK: z.string(), GSI1PK: z.string(), GSI1SK: z.string() });

/** The contacts capability's per-contact state: the search index entries as stored. */
export interface ContactsState {
  readonly searchIndex: readonly IndexEntry[];
}

/** Brings a contact's search index entries in line with its profile: Puts of new or moved ones, Deletes of stale ones. */
export interface IndexContact {
  readonly type: 'IndexContact';
  readonly contactId: string;
  readonly put: readonly IndexEntry[];
  readonly remove: readonly string[];
}

/**
 * Keeps the search index true to profiles written by any path (form posts, identify, journey steps, stage changes):
 * after each event, the entries the profile should have are compared with the stored ones. The contacts API writes
 * its entries in its own transaction, so for its writes this finds nothing to do. A replay (no state) decides nothing.
 */
export function searchIndexRule(initialStage: string): Rule<ContactsState, IndexContact> {
  return (state: ReactorState<ContactsState>) => {
    if (state.searchIndex === undefined) return [];
    const { put, remove } = indexChanges(indexEntries(state.contact, initialStage), state.searchIndex);
    if (put.length === 0 && remove.length === 0) return [];
    return [{ type: 'IndexContact', contactId: state.contact.contactId, put, remove }];
  };
}
