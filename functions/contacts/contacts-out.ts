import { callerOf, requireAccess } from '../access/authorizer-context';
import type { Clock } from '../shared/ids';
import { normalizeEmail } from '../shared/contact';
import { HttpError, NotFound, annotate, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import type { SecretSource } from '../shared/secrets';
import { suppressionHash } from '../shared/suppression';
import type { CrmEraser } from '../crm/config';
import type { JourneyStarter } from '../journeys/ports';
import {
  belongsTo,
  crmRecordOf,
  exportOf,
  isContactId,
  keptByErase,
  kindOf,
  referencedKeys,
  runningExecutions,
  type ContactExport,
  type ErasureOutcome,
  type Item,
  type Key,
} from './domain/contact-data';

/** The table as export and erase see it: a contact's partition, items by key, and the erase's three steps. */
export interface ContactData {
  partition(contactId: string): Promise<Item[]>;
  get(keys: readonly Key[]): Promise<Item[]>;
  /** Opens the erase; `hash` is the keyed hash of the address to suppress, when the contact has one. */
  begin(contactId: string, hash: string | undefined, requestedAt: string): Promise<void>;
  /** Deletes the items (a missing one is a no-op); returns how many it was asked to delete. */
  delete(contactId: string, keys: readonly Key[]): Promise<number>;
  finish(contactId: string, normalizedEmail: string | undefined, outcome: Omit<ErasureOutcome, 'itemsDeleted'>): Promise<ErasureOutcome | 'AlreadyFinished'>;
}

export interface ContactsOutDeps {
  readonly data: ContactData;
  /** Stops journey executions (the journeys' own stop: a stopped or ended execution is a no-op). */
  readonly executions: Pick<JourneyStarter, 'stop'>;
  /** The HMAC key of the suppression list. */
  readonly suppressionKey: SecretSource;
  /** Deletes the contact's CRM record too, when the CRM settings ask for it (HubSpot's GDPR delete). */
  readonly crm?: () => Promise<CrmEraser | undefined>;
  readonly clock: Clock;
}

/** The CRM did not confirm the delete of the contact's record: the erase stops before deleting anything of ours. */
export class CrmEraseFailed extends HttpError {
  constructor(provider: string, cause: unknown) {
    super(502, 'crm_delete_failed', `${provider} did not confirm the delete of the contact's record; nothing else was erased yet: run the erase again`);
    this.cause = cause;
  }
}

/** A contact's partition was still receiving writes after this many rounds of deletes: the erase is retried. */
export class ErasureContended extends Error {
  override name = 'ErasureContended';
}

/** Rounds of reading and deleting: writes racing the erase (a late SES event) are caught by the next round. */
const MAX_ROUNDS = 5;

/** Everything held about a contact, or undefined for an unknown (or erased) contact. */
export async function exportContact(deps: Pick<ContactsOutDeps, 'data' | 'clock'>, contactId: string): Promise<ContactExport | undefined> {
  const partition = await deps.data.partition(contactId);
  if (!partition.some((item) => kindOf(String(item.SK)) === 'profile')) return undefined;
  const referenced = (await deps.data.get(referencedKeys(partition))).filter((item) => belongsTo(item, contactId));
  return exportOf(contactId, partition, referenced, deps.clock.now().toISOString());
}

/**
 * Erases a contact (GDPR art. 17): stops its journeys, deletes every item that holds its data (its partition but
 * the erasure record and the anonymous report state; the send records and id links it points at; its profile and
 * email claim last, since they say what else to delete), keeps the keyed hash of its address on the suppression
 * list and writes an audit record. Resumable: a run that dies midway leaves the erasure record `erasing` and
 * enough of the contact's items for the next run to find the rest. An erased contact's erase answers its outcome.
 */
export async function eraseContact(deps: ContactsOutDeps, contactId: string, erasedBy?: string): Promise<ErasureOutcome | undefined> {
  let partition = await deps.data.partition(contactId);
  const done = finished(partition);
  if (done) return done;
  const profile = partition.find((item) => kindOf(String(item.SK)) === 'profile');
  if (!profile) return undefined;

  const requestedAt = deps.clock.now().toISOString();
  const email = typeof profile.email === 'string' && profile.email.length > 0 ? normalizeEmail(profile.email) : undefined;
  await deps.data.begin(contactId, email ? suppressionHash(await deps.suppressionKey(), email) : undefined, requestedAt);
  const crm = crmRecordOf(partition);
  // The CRM first: if it fails, the erase stops here (the record `erasing`) and a rerun still finds the CRM link.
  const crmDeleted = crm ? await eraseInCrm(deps, crm) : false;

  const running = runningExecutions(partition);
  for (const execution of running) {
    // StopJourney's error, JourneyExited, tells the status handler the stopper records the end: nothing is appended.
    await deps.executions.stop({ type: 'StopJourney', ...execution, reason: 'contact erased' });
  }

  for (let round = 1; ; round++) {
    const doomed = partition.filter((item) => !keptByErase(String(item.SK)) && kindOf(String(item.SK)) !== 'profile');
    if (doomed.length === 0) break;
    if (round > MAX_ROUNDS) throw new ErasureContended('the contact kept receiving writes while it was erased');
    const referenced = (await deps.data.get(referencedKeys(partition))).filter((item) => belongsTo(item, contactId));
    // What the contact's items point at goes first: a run that stops here still finds the references next time.
    await deps.data.delete(contactId, referenced.map(keyOf));
    await deps.data.delete(contactId, doomed.map(keyOf));
    partition = await deps.data.partition(contactId);
  }

  const erasedAt = deps.clock.now().toISOString();
  const stored = partition.find((item) => kindOf(String(item.SK)) === 'erasure');
  const outcome = {
    contactId,
    status: 'erased' as const,
    requestedAt: typeof stored?.requestedAt === 'string' ? stored.requestedAt : requestedAt,
    erasedAt,
    journeysStopped: running.length,
    ...(crm ? { crm: { ...crm, deleted: crmDeleted } } : {}),
    ...(erasedBy ? { erasedBy } : {}),
  };
  const result = await deps.data.finish(contactId, email, outcome);
  if (result !== 'AlreadyFinished') return result;
  return finished(await deps.data.partition(contactId));
}

async function eraseInCrm(deps: ContactsOutDeps, record: { provider: string; crmId: string }): Promise<boolean> {
  const eraser = await deps.crm?.();
  if (!eraser || eraser.provider !== record.provider) return false;
  try {
    await eraser.erase(record.crmId);
    return true;
  } catch (error) {
    throw new CrmEraseFailed(record.provider, error);
  }
}

function finished(partition: readonly Item[]): ErasureOutcome | undefined {
  const record = partition.find((item) => kindOf(String(item.SK)) === 'erasure');
  if (!record || record.status !== 'erased') return undefined;
  const crm = record.crm as ErasureOutcome['crm'] | null | undefined;
  return {
    contactId: String(record.contactId),
    status: 'erased',
    requestedAt: String(record.requestedAt),
    erasedAt: String(record.erasedAt),
    journeysStopped: Number(record.journeysStopped ?? 0),
    itemsDeleted: Number(record.itemsDeleted ?? 0),
    ...(crm ? { crm } : {}),
    ...(typeof record.erasedBy === 'string' ? { erasedBy: record.erasedBy } : {}),
  };
}

const keyOf = (item: Item): Key => ({ PK: String(item.PK), SK: String(item.SK) });

class InvalidContactId extends HttpError {
  constructor() {
    super(400, 'invalid_contact_id', 'The contact id is not valid', { errors: [{ field: 'contactId', message: 'must be a contact id' }] });
  }
}

/** `GET /contacts/{contactId}/export` and `DELETE /contacts/{contactId}`. */
export const makeContactsOut =
  (deps: ContactsOutDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const contactId = event.pathParameters?.contactId ?? '';
    if (!isContactId(contactId)) throw new InvalidContactId();
    annotate(event, { contactId });
    if (event.routeKey === 'DELETE /contacts/{contactId}') {
      const outcome = await eraseContact(deps, contactId, callerOf(event).keyId);
      if (!outcome) throw new NotFound('No such contact');
      return json(200, outcome);
    }
    const exported = await exportContact(deps, contactId);
    if (!exported) throw new NotFound('No such contact');
    return json(200, exported, { 'content-disposition': `attachment; filename="contact-${contactId}.json"` });
  };

export function makeContactsOutHandler(deps: ContactsOutDeps & { readonly logger: Logger }) {
  return httpHandler(makeContactsOut(deps), {
    logger: deps.logger,
    // Personal data: no browser or proxy may keep a copy of any answer.
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
