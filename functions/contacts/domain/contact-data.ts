/**
 * What the table holds about one person, and what erasing it means: which stored item is which kind, how an
 * export groups them, and which items an erase deletes. Pure: items in, keys and documents out.
 *
 * A contact's own partition (`CONTACT#<id>`) holds its profile and every per-contact item; a few items live in
 * other partitions and are found through references the contact's items carry (send ids, anonymous and user ids).
 */

export type Key = { readonly PK: string; readonly SK: string };
export type Item = Readonly<Record<string, unknown>>;

/** Every kind of item stored under `CONTACT#<id>` (functions/shared/keys.ts and the capabilities' dynamo-*.ts). */
export type ItemKind =
  | 'profile'
  | 'event'
  | 'membership'
  | 'wait'
  | 'dateIndex'
  | 'reportState'
  | 'crmLink'
  | 'crmLease'
  | 'mailLog'
  | 'erasure'
  | 'other';

/** SK of the erasure record: sorts before `EVENT#` and `F`, so no timeline read or reactor state load meets it. */
export const ERASURE_SK = 'ERASED';

export function kindOf(sk: string): ItemKind {
  if (sk === 'PROFILE') return 'profile';
  if (sk.startsWith('EVENT#')) return 'event';
  if (sk.startsWith('JOURNEY#')) return 'membership';
  if (sk.startsWith('WAIT#')) return 'wait';
  if (sk.startsWith('INDEX#DATE#')) return 'dateIndex';
  if (sk === 'REPORTS') return 'reportState';
  if (sk.startsWith('CRM#')) return 'crmLink';
  if (sk === 'CRMLEASE') return 'crmLease';
  if (sk === 'MAILLOG') return 'mailLog';
  if (sk === ERASURE_SK) return 'erasure';
  return 'other';
}

/**
 * Items an erase keeps: the erasure record itself, and the report state, which holds no personal data (stage,
 * score bucket, UTM attribution, message ids) and keeps a late event from being counted as a new contact's.
 */
export function keptByErase(sk: string): boolean {
  const kind = kindOf(sk);
  return kind === 'erasure' || kind === 'reportState';
}

const withoutKeys = (item: Item): Record<string, unknown> => {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, ...rest } = item;
  return rest;
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Send ids a contact's items refer to: each `email.sent` event's and each mail-log slot's. */
export function sendIdsOf(items: readonly Item[]): string[] {
  const ids = new Set<string>();
  for (const item of items) {
    const kind = kindOf(String(item.SK));
    if (kind === 'event' && item.type === 'email.sent') {
      const id = text(record(item.data).sendId);
      if (id) ids.add(id);
    }
    if (kind === 'mailLog' && Array.isArray(item.sends)) {
      for (const slot of item.sends) {
        const id = text(record(slot).sendId);
        if (id) ids.add(id);
      }
    }
  }
  return [...ids];
}

/** Key of an email send record (functions/email/dynamo-email-store.ts, stored forever). */
export const sendRecordKey = (sendId: string): Key => ({ PK: `IDEM#email#${sendId}`, SK: 'IDEM' });

/** SMS events that carry the send id of an SMS send record (functions/sms/dynamo-sms-store.ts). */
const SMS_SEND_EVENTS = new Set(['sms.sent', 'sms.failed', 'sms.skipped']);

/** Send ids of the contact's SMS: each SMS event's that names one. */
export function smsSendIdsOf(items: readonly Item[]): string[] {
  const ids = new Set<string>();
  for (const item of items) {
    if (kindOf(String(item.SK)) !== 'event' || !SMS_SEND_EVENTS.has(String(item.type))) continue;
    const id = text(record(item.data).sendId);
    if (id) ids.add(id);
  }
  return [...ids];
}

/** Key of an SMS send record (functions/sms/dynamo-sms-store.ts, stored forever). */
export const smsSendRecordKey = (sendId: string): Key => ({ PK: `IDEM#sms#${sendId}`, SK: 'IDEM' });

/**
 * Items outside the contact's partition that its items point at and that name it: send records (the send's links),
 * and the anonymous-id and user-id links of the tracking API (functions/tracking/tracking-keys.ts).
 */
export function referencedKeys(items: readonly Item[]): Key[] {
  const found = new Map<string, Key>();
  const add = (key: Key) => found.set(`${key.PK}\u0000${key.SK}`, key);
  for (const id of sendIdsOf(items)) add(sendRecordKey(id));
  for (const id of smsSendIdsOf(items)) add(smsSendRecordKey(id));
  for (const item of items) {
    const kind = kindOf(String(item.SK));
    // The phone index of the SMS sends (functions/sms/dynamo-sms-store.ts): it names the contact last texted there.
    if (kind === 'profile' && text(item.phone)) add({ PK: `PHONE#${String(item.phone)}`, SK: 'CONTACT' });
    if (kind === 'profile' && Array.isArray(item.anonymousIds)) {
      for (const id of item.anonymousIds) if (text(id)) add({ PK: `ANON#${String(id)}`, SK: 'LINK' });
    }
    if (kind !== 'event') continue;
    const data = record(item.data);
    const anonymousId = text(data.anonymousId);
    const userId = text(data.userId);
    if (anonymousId) add({ PK: `ANON#${anonymousId}`, SK: 'LINK' });
    if (userId) add({ PK: `USER#${userId}`, SK: 'LINK' });
  }
  return [...found.values()];
}

/** Whether an item found through a reference really belongs to this contact (an id link may name another). */
export function belongsTo(item: Item, contactId: string): boolean {
  return item.contactId === contactId;
}

/** The personal-data export of one contact (GDPR art. 15, CCPA "right to know"): every item, grouped by kind. */
export interface ContactExport {
  readonly contactId: string;
  readonly exportedAt: string;
  readonly profile: Record<string, unknown>;
  /** Per-topic email consent and the consent boxes ticked on forms, as the profile holds them. */
  readonly consent: { readonly subscriptions: unknown; readonly consents: unknown };
  /** Every timeline event, oldest first. */
  readonly timeline: readonly Record<string, unknown>[];
  /** The `score.changed` events, oldest first, and the current score. */
  readonly scoreHistory: { readonly current: unknown; readonly changes: readonly Record<string, unknown>[] };
  /** Send records (what was sent, its links) with the email events of each send. */
  readonly sends: readonly { readonly record?: Record<string, unknown>; readonly sendId: string; readonly events: readonly Record<string, unknown>[] }[];
  readonly mailLog?: Record<string, unknown>;
  /** The mobile number, per-topic SMS consent, and each SMS send's record with its events (inbound messages are on the timeline). */
  readonly sms: {
    readonly phone: unknown;
    readonly subscriptions: unknown;
    readonly sends: readonly { readonly record?: Record<string, unknown>; readonly sendId: string; readonly events: readonly Record<string, unknown>[] }[];
  };
  readonly journeys: { readonly memberships: readonly Record<string, unknown>[]; readonly waits: readonly Record<string, unknown>[] };
  readonly crm: { readonly link?: Record<string, unknown>; readonly records: readonly Record<string, unknown>[] };
  readonly dateIndex: readonly Record<string, unknown>[];
  readonly reportState?: Record<string, unknown>;
  /** Anonymous-id and user-id links of the tracking API. */
  readonly identities: readonly Record<string, unknown>[];
  /** Items of a kind this export does not know yet: still exported, never dropped. */
  readonly other: readonly Record<string, unknown>[];
}

/**
 * The export document of a contact from its partition's items and the referenced items that belong to it. Task
 * tokens of journey waits are internal credentials, not data about the person: left out.
 */
export function exportOf(contactId: string, partition: readonly Item[], referenced: readonly Item[], exportedAt: string): ContactExport {
  const of = (kind: ItemKind) => partition.filter((item) => kindOf(String(item.SK)) === kind).map(withoutKeys);
  const profile = of('profile')[0] ?? {};
  const timeline = of('event').sort((a, b) => String(a.eventId).localeCompare(String(b.eventId)));
  const emailEvents = timeline.filter((event) => String(event.type).startsWith('email.'));
  const sentBySend = new Map<string, string | undefined>();
  for (const event of emailEvents) {
    const data = record(event.data);
    if (event.type === 'email.sent' && text(data.sendId)) sentBySend.set(String(data.sendId), text(data.messageId));
  }
  const records = new Map(
    referenced.filter((item) => String(item.PK).startsWith('IDEM#email#')).map((item) => [String(item.sendId), withoutKeys(item)]),
  );
  const sendIds = new Set([...sentBySend.keys(), ...records.keys()]);
  const sends = [...sendIds].map((sendId) => {
    const messageId = sentBySend.get(sendId) ?? text(records.get(sendId)?.messageId);
    const rec = records.get(sendId);
    return {
      sendId,
      ...(rec ? { record: rec } : {}),
      events: messageId ? emailEvents.filter((event) => record(event.data).messageId === messageId) : [],
    };
  });
  const smsEvents = timeline.filter((event) => String(event.type).startsWith('sms.'));
  const smsRecords = new Map(
    referenced.filter((item) => String(item.PK).startsWith('IDEM#sms#')).map((item) => [String(item.sendId), withoutKeys(item)]),
  );
  const smsSends = [...new Set([...smsSendIdsOf(partition), ...smsRecords.keys()])].map((sendId) => {
    const rec = smsRecords.get(sendId);
    return { sendId, ...(rec ? { record: rec } : {}), events: smsEvents.filter((event) => record(event.data).sendId === sendId) };
  });
  const [mailLog] = of('mailLog');
  const [reportState] = of('reportState');
  const [crmLink] = of('crmLink');
  return {
    contactId,
    exportedAt,
    profile,
    consent: { subscriptions: profile.subscriptions ?? {}, consents: profile.consents ?? {} },
    timeline,
    scoreHistory: { current: profile.score ?? null, changes: timeline.filter((event) => event.type === 'score.changed') },
    sends,
    ...(mailLog ? { mailLog } : {}),
    sms: { phone: profile.phone ?? null, subscriptions: profile.smsSubscriptions ?? {}, sends: smsSends },
    journeys: {
      memberships: of('membership'),
      waits: of('wait').map(({ taskToken: _token, ...wait }) => wait),
    },
    crm: {
      ...(crmLink ? { link: crmLink } : {}),
      records: timeline.filter((event) => String(event.type).startsWith('crm.')),
    },
    dateIndex: of('dateIndex'),
    ...(reportState ? { reportState } : {}),
    identities: referenced
      .filter((item) => String(item.PK).startsWith('ANON#') || String(item.PK).startsWith('USER#'))
      .map((item) => ({ ...withoutKeys(item), id: String(item.PK) })),
    other: [...of('crmLease'), ...of('other')],
  };
}

/** Journey executions still running for the contact: their memberships say which to stop. */
export function runningExecutions(partition: readonly Item[]): { journeyId: string; executionName: string }[] {
  return partition
    .filter((item) => kindOf(String(item.SK)) === 'membership' && item.status === 'running')
    .flatMap((item) => (text(item.journeyId) && text(item.executionName) ? [{ journeyId: String(item.journeyId), executionName: String(item.executionName) }] : []));
}

/** The CRM record the contact was handed to, so the operator can delete it there (from the profile or the link item). */
export function crmRecordOf(partition: readonly Item[]): { provider: string; crmId: string } | undefined {
  const profile = partition.find((item) => kindOf(String(item.SK)) === 'profile');
  const crm = record(profile?.crm);
  if (text(crm.provider) && text(crm.id)) return { provider: String(crm.provider), crmId: String(crm.id) };
  const link = partition.find((item) => kindOf(String(item.SK)) === 'crmLink');
  if (link && text(link.provider) && text(link.crmId)) return { provider: String(link.provider), crmId: String(link.crmId) };
  return undefined;
}

/** What an erase did, as the erasure record keeps it and the API answers it: no personal data, only ids and counts. */
export interface ErasureOutcome {
  readonly contactId: string;
  readonly status: 'erased';
  readonly requestedAt: string;
  readonly erasedAt: string;
  /** Journey executions stopped by this erase. */
  readonly journeysStopped: number;
  /** Items deleted: the contact's own and those found through its references. */
  readonly itemsDeleted: number;
  /**
   * Where the contact was handed to; `deleted` when the erase deleted that record too (HubSpot with `gdprDelete`),
   * otherwise delete it there by hand.
   */
  readonly crm?: { readonly provider: string; readonly crmId: string; readonly deleted?: boolean };
  /** The API key id (or `bootstrap`) that asked for the erase, for the audit; absent for an erase run by a script. */
  readonly erasedBy?: string;
}

/** Contact ids are ULIDs; anything else is refused before it reaches a key. */
export function isContactId(id: string): boolean {
  return /^[0-9A-Za-z_-]{1,64}$/.test(id);
}
