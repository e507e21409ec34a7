import type { Contact } from '../../shared/contact';
import { clip } from '../../shared/field-values';

/**
 * The search index of a contact: small items in the contact's own partition (`CONTACT#<id>`, SK `INDEX#FIND#…`)
 * whose GSI1 keys let one Query find contacts by email or name prefix, stage, tag, or created/updated day. Pure:
 * the entries are a function of the profile, so every writer computes the same ones and a reconciliation only
 * compares. Key shapes are stored forever: add kinds, never rename one.
 *
 * | kind        | SK                        | GSI1PK                          | GSI1SK                              |
 * | ----------- | ------------------------- | ------------------------------- | ----------------------------------- |
 * | email       | `INDEX#FIND#EMAIL`        | `FIND#EMAIL#<first 2 chars>`    | `<email>#<contactId>`               |
 * | name        | `INDEX#FIND#NAME#<n>`     | `FIND#NAME#<first 2 chars>`     | `<folded name from word n>#<id>`    |
 * | stage       | `INDEX#FIND#STAGE`        | `FIND#STAGE#<stage>`            | `<stageChangedAt or createdAt>#<id>`|
 * | tag         | `INDEX#FIND#TAG#<tag>`    | `FIND#TAG#<tag>`                | `<contactId>`                       |
 * | created day | `INDEX#FIND#CREATED`      | `FIND#CREATED#<yyyy-mm-dd>`     | `<createdAt>#<contactId>`           |
 * | updated day | `INDEX#FIND#UPDATED`      | `FIND#UPDATED#<yyyy-mm-dd>`     | `<updatedAt>#<contactId>`           |
 *
 * Prefix partitions are the first two characters, so a prefix search needs at least two. A contact's first 50 tags
 * are indexed.
 */
export const SEARCH_INDEX_PREFIX = 'INDEX#FIND#';

/** One index item's keys (its PK is the contact's partition). */
export interface IndexEntry {
  readonly SK: string;
  readonly GSI1PK: string;
  readonly GSI1SK: string;
}

/** The ways to find contacts, each one Query of GSI1. */
export type SearchKind = 'emailPrefix' | 'name' | 'stage' | 'tag' | 'createdOn' | 'updatedOn';

/** Attributes a contact's name is read from. */
const NAME_ATTRIBUTES = ['first_name', 'last_name', 'name'] as const;
const MAX_NAME_WORDS = 4;
const MAX_KEY_TEXT = 100;
const PARTITION_CHARS = 2;
/** Tags indexed per contact: keeps a contact's entries (and so its write's transaction) well under 100 items. */
export const MAX_INDEXED_TAGS = 50;

/** Every index entry the profile should have. `initialStage` stands for a profile without a stage. */
export function indexEntries(contact: Contact, initialStage: string): IndexEntry[] {
  const id = contact.contactId;
  const entries: IndexEntry[] = [
    { SK: `${SEARCH_INDEX_PREFIX}EMAIL`, GSI1PK: searchPartition('emailPrefix', contact.email), GSI1SK: `${contact.email}#${id}` },
    {
      SK: `${SEARCH_INDEX_PREFIX}STAGE`,
      GSI1PK: searchPartition('stage', contact.stage ?? initialStage),
      GSI1SK: `${contact.stageChangedAt ?? contact.createdAt}#${id}`,
    },
    { SK: `${SEARCH_INDEX_PREFIX}CREATED`, GSI1PK: searchPartition('createdOn', contact.createdAt.slice(0, 10)), GSI1SK: `${contact.createdAt}#${id}` },
    { SK: `${SEARCH_INDEX_PREFIX}UPDATED`, GSI1PK: searchPartition('updatedOn', contact.updatedAt.slice(0, 10)), GSI1SK: `${contact.updatedAt}#${id}` },
  ];
  nameSequences(contact).forEach((sequence, n) => {
    entries.push({ SK: `${SEARCH_INDEX_PREFIX}NAME#${n}`, GSI1PK: searchPartition('name', sequence), GSI1SK: `${sequence}#${id}` });
  });
  for (const tag of [...new Set(contact.tags ?? [])].slice(0, MAX_INDEXED_TAGS)) {
    entries.push({ SK: `${SEARCH_INDEX_PREFIX}TAG#${tag}`, GSI1PK: searchPartition('tag', tag), GSI1SK: id });
  }
  return entries;
}

/** The GSI1 partition a search value lives in (for prefixes: its first two characters). */
export function searchPartition(kind: SearchKind, value: string): string {
  switch (kind) {
    case 'emailPrefix':
      return `FIND#EMAIL#${clip(value, PARTITION_CHARS)}`;
    case 'name':
      return `FIND#NAME#${clip(value, PARTITION_CHARS)}`;
    case 'stage':
      return `FIND#STAGE#${value}`;
    case 'tag':
      return `FIND#TAG#${value}`;
    case 'createdOn':
      return `FIND#CREATED#${value}`;
    case 'updatedOn':
      return `FIND#UPDATED#${value}`;
  }
}

/**
 * Name text as it is indexed and searched: accents and case folded, every run of other characters one space, so
 * "José O'Brien" is "jose o brien" and the query "o'b" finds it.
 */
export function foldName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .slice(0, MAX_KEY_TEXT)
    // Cut inside a surrogate pair, the key would hold half a character, which no reader can decode.
    .replace(/[\ud800-\udbff]$/, '');
}

/**
 * The folded full name, and the name from each later word on ("ada lovelace", "lovelace"), so a prefix of any
 * word finds the contact. A sequence that is a prefix of one already indexed adds nothing and is left out.
 */
function nameSequences(contact: Contact): string[] {
  const parts = NAME_ATTRIBUTES.map((name) => contact.attributes[name]).filter((v): v is string => typeof v === 'string');
  const words = foldName(parts.join(' ')).split(' ').filter(Boolean).slice(0, MAX_NAME_WORDS);
  const sequences: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const sequence = clip(words.slice(i).join(' '), MAX_KEY_TEXT);
    if (!sequences.some((kept) => kept.startsWith(sequence))) sequences.push(sequence);
  }
  return sequences;
}

/** What to write so the stored entries become the expected ones: Puts of new or moved entries, Deletes of stale ones. */
export function indexChanges(expected: readonly IndexEntry[], stored: readonly IndexEntry[]): { put: IndexEntry[]; remove: string[] } {
  const storedBySk = new Map(stored.map((entry) => [entry.SK, entry]));
  const expectedSks = new Set(expected.map((entry) => entry.SK));
  return {
    put: expected.filter((entry) => {
      const current = storedBySk.get(entry.SK);
      return !current || current.GSI1PK !== entry.GSI1PK || current.GSI1SK !== entry.GSI1SK;
    }),
    remove: stored.filter((entry) => !expectedSks.has(entry.SK)).map((entry) => entry.SK),
  };
}
