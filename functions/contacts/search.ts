import * as z from 'zod';
import type { Contact } from '../shared/contact';
import { InvalidQuery } from '../shared/http';
import { fieldErrors } from '../shared/validation';
import { foldName, type SearchKind } from './domain/search-index';

/** One page of contacts found through the search index. */
export interface SearchPage {
  readonly contacts: readonly Contact[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  readonly nextCursor?: string;
}

/** A search: one kind, its value as indexed (folded, lower-cased), a page size and the previous page's cursor. */
export interface SearchQuery {
  readonly kind: SearchKind;
  readonly value: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** Finds contacts through the search index (GSI1): one Query and one BatchGetItem per page, never a scan. */
export interface ContactSearch {
  search(query: SearchQuery): Promise<SearchPage>;
}

/** The query parameters that make `GET /contacts` a search rather than a lookup by exact email. */
export const SEARCH_KINDS: readonly SearchKind[] = ['emailPrefix', 'name', 'stage', 'tag', 'createdOn', 'updatedOn'];

const day = z.iso.date({ error: 'must be a day (YYYY-MM-DD)' });
const prefix = (min: number) => z.string().min(min, `must be at least ${min} characters`).max(200);

/** Whether a query string asks for a search. */
export function isSearch(query: Readonly<Record<string, string | undefined>>): boolean {
  return SEARCH_KINDS.some((kind) => query[kind] !== undefined);
}

/**
 * The search a query string asks for: exactly one of the kinds, its value normalised as the index stores it
 * (email prefixes lower-cased, names folded), `limit` 1–100 (default 25) and `cursor`. {@link InvalidQuery} names
 * what is wrong.
 */
export function searchQueryOf(query: Readonly<Record<string, string | undefined>>, stages: ReadonlySet<string>): SearchQuery {
  const given = SEARCH_KINDS.filter((kind) => query[kind] !== undefined);
  if (given.length > 1) throw new InvalidQuery([{ field: given.join(','), message: 'give one search at a time' }]);
  const schema = z.object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(1_000).optional(),
    emailPrefix: prefix(2).transform((v) => v.trim().normalize('NFKC').toLowerCase()).pipe(prefix(2)).optional(),
    name: prefix(2).transform(foldName).pipe(prefix(2)).optional(),
    stage: z.string().refine((s) => stages.has(s), `must be one of: ${[...stages].join(', ')}`).optional(),
    tag: z.string().trim().min(1).max(64).optional(),
    createdOn: day.optional(),
    updatedOn: day.optional(),
  });
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error, '(query)'));
  const kind = given[0]!;
  return { kind, value: parsed.data[kind]!, limit: parsed.data.limit, ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) };
}
