import * as z from 'zod';
import { requireAccess } from '../access/authorizer-context';
import { HttpError, InvalidQuery, NotFound, annotate, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { InvalidCursor, type Contacts } from './contacts';
import type { ContactData } from './contacts-out';
import { isContactId } from './domain/contact-data';
import { overviewOf, type OverviewRules } from './domain/contact-overview';
import { parseContact } from './dynamo-contacts';
import { isSearch, searchQueryOf, type ContactSearch } from './search';

export interface ReadContactsDeps {
  readonly contacts: Contacts;
  readonly logger: Logger;
  /** `GET /contacts?emailPrefix=|name=|stage=|tag=|createdOn=|updatedOn=` (functions/contacts/search.ts). */
  readonly search?: { readonly index: ContactSearch; readonly stages: ReadonlySet<string> };
  /** `GET /contacts/{contactId}/overview`: the contact's partition, read as the export reads it, and the rules. */
  readonly overview?: { readonly data: Pick<ContactData, 'partition'>; readonly rules: OverviewRules };
}

const TimelineQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

const ByEmailQuery = TimelineQuery.extend({
  email: z.string({ error: 'is required' }).trim().min(3, 'must be an email address').max(254),
});

/** GET /contacts/{contactId} and GET /contacts?email=…: the profile and its timeline, newest first. */
export const makeReadContacts =
  (deps: ReadContactsDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    if (event.routeKey === 'GET /contacts/{contactId}/overview' && deps.overview) return overview(deps.overview, event);
    const byEmail = event.routeKey === 'GET /contacts';
    if (byEmail && deps.search && isSearch(event.queryStringParameters ?? {})) return search(deps.search, event);
    const parsed = (byEmail ? ByEmailQuery : TimelineQuery).safeParse(event.queryStringParameters ?? {});
    if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error, '(query)'));
    const query = parsed.data;

    const contactId =
      'email' in query ? await deps.contacts.findIdByEmail(query.email as string) : (event.pathParameters?.contactId ?? '');
    const contact = contactId ? await deps.contacts.get(contactId) : undefined;
    if (!contactId || !contact) throw new NotFound('No such contact');

    try {
      const timeline = await deps.contacts.timeline(contactId, query);
      return json(200, { contact, timeline });
    } catch (error) {
      if (error instanceof InvalidCursor) throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid');
      throw error;
    }
  };

/** One Query of the contact's partition (profile, events, memberships, waits, segment states, CRM link), no scan. */
async function overview(deps: NonNullable<ReadContactsDeps['overview']>, event: HttpEvent): Promise<HttpResult> {
  const contactId = event.pathParameters?.contactId ?? '';
  if (!isContactId(contactId)) {
    throw new HttpError(400, 'invalid_contact_id', 'The contact id is not valid', { errors: [{ field: 'contactId', message: 'must be a contact id' }] });
  }
  annotate(event, { contactId });
  const partition = await deps.data.partition(contactId);
  const profile = partition.find((item) => item.SK === 'PROFILE');
  // An erased contact keeps only its erasure record and report state: no profile, so it is unknown here too.
  if (!profile) throw new NotFound('No such contact');
  return json(200, overviewOf(parseContact(profile), partition, deps.rules));
}

async function search(deps: NonNullable<ReadContactsDeps['search']>, event: HttpEvent): Promise<HttpResult> {
  const query = searchQueryOf(event.queryStringParameters ?? {}, deps.stages);
  try {
    return json(200, await deps.index.search(query));
  } catch (error) {
    if (error instanceof InvalidCursor) throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid');
    throw error;
  }
}

export function makeReadContactsHandler(deps: ReadContactsDeps) {
  return httpHandler(makeReadContacts(deps), {
    logger: deps.logger,
    // Personal data: no browser or proxy may keep a copy of any answer.
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
