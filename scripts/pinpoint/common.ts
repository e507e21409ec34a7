import { formatDuration } from '../../functions/shared/durations';

/**
 * What the Pinpoint translations share: how Pinpoint names become our ids and attribute names, ISO-8601 durations,
 * engagement event names, and attribute / metric dimensions as our conditions. Pure.
 */

/** `Welcome Series (v2)` → `welcome-series-v2`, cut to `max` characters; starts with a letter (`p-` is prefixed otherwise). */
export function kebabId(name: string, max: number): string {
  let id = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(id)) id = `p-${id}`;
  return id.slice(0, max).replace(/-+$/, '') || 'p';
}

/**
 * Gives each Pinpoint id one of ours, derived from its name, unique among them: collisions get `-2`, `-3`… in the
 * order of the Pinpoint ids, so the same export always gives the same ids.
 */
export function assignIds(items: readonly { readonly pinpointId: string; readonly name: string }[], max: number): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const item of [...items].sort((a, b) => (a.pinpointId < b.pinpointId ? -1 : a.pinpointId > b.pinpointId ? 1 : 0))) {
    const base = kebabId(item.name || item.pinpointId, max);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base.slice(0, max - String(n).length - 1).replace(/-+$/, '')}-${n}`;
    used.add(id);
    ids.set(item.pinpointId, id);
  }
  return ids;
}

/** Upsert fields an attribute must not be named after (the import reads them as the contact's own fields). */
const RESERVED = new Set(['email', 'e_mail', 'email_address', 'e_mail_address', 'mail', 'externalid', 'external_id', 'tags', 'tag', 'phone', 'consents', 'contact_id', 'segments', 'stage', 'score']);

/**
 * A Pinpoint attribute name as our attribute name: `FirstName` → `first_name`, `plan-tier` → `plan_tier`. A name that
 * would be one of the contact's own fields (`email`, `tags`, `phone`, …) becomes `pinpoint_<name>`.
 */
export function attributeName(name: string): string {
  let snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(snake)) snake = `a_${snake}`;
  if (RESERVED.has(snake) || snake.startsWith('utm_')) snake = `pinpoint_${snake}`;
  return snake.slice(0, 64);
}

/** Endpoint fields that are attributes of ours (`{{Location.City}}` → `city`). */
export const ENDPOINT_FIELD_ATTRIBUTES: Readonly<Record<string, string>> = {
  'Location.City': 'city',
  'Location.Country': 'country',
  'Location.PostalCode': 'postal_code',
  'Location.Region': 'region',
  'Demographic.Timezone': 'time_zone',
  'Demographic.Locale': 'locale',
};

/** Seconds in an ISO-8601 duration (`PT1H`, `P2D`, `P1W`, `P1DT12H`), or undefined (years and months have no fixed length). */
export function isoDurationSeconds(text: string): number | undefined {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (!match || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [, w, d, h, m, s] = match.map((part) => Number(part ?? 0));
  return w! * 604_800 + d! * 86_400 + h! * 3_600 + m! * 60 + s!;
}

/** An ISO-8601 duration in our notation (`P1DT12H` → `36h`), or undefined. */
export function ourDuration(text: string): string | undefined {
  const seconds = isoDurationSeconds(text);
  return seconds !== undefined && seconds > 0 ? formatDuration(seconds) : undefined;
}

/** Pinpoint's engagement events and ours. */
export const ENGAGEMENT_EVENTS: Readonly<Record<string, string>> = {
  '_email.send': 'email.sent',
  '_email.delivered': 'email.delivered',
  '_email.open': 'email.opened',
  '_email.click': 'email.clicked',
  '_email.hardbounce': 'email.bounced',
  '_email.softbounce': 'email.bounced',
  '_email.complaint': 'email.complained',
  '_email.unsubscribe': 'email.unsubscribed',
  '_email.rejected': 'email.rejected',
  '_SMS.SUCCESS': 'sms.delivered',
  '_SMS.BUFFERED': 'sms.sent',
  '_SMS.FAILURE': 'sms.failed',
  '_SMS.OPTOUT': 'sms.unsubscribed',
  '_SMS.RECEIVED': 'sms.received',
};

/** Conditions on the event data that narrow an engagement event as Pinpoint's name does (a hard bounce is a permanent one). */
export const ENGAGEMENT_WHERE: Readonly<Record<string, readonly string[]>> = {
  '_email.hardbounce': ['bounceType == Permanent'],
  '_email.softbounce': ['bounceType == Transient'],
};

export type EventMapping = { readonly event: string; readonly where: readonly string[]; readonly engagement: boolean } | { readonly error: string };

/**
 * A Pinpoint event name as ours: an engagement event (`_email.click` → `email.clicked`), or a custom event, which keeps
 * its name as our tracked event's. Other `_`-prefixed names (sessions, in-app, push) have no equivalent.
 */
export function mapEvent(name: string): EventMapping {
  const ours = ENGAGEMENT_EVENTS[name];
  if (ours) return { event: ours, where: ENGAGEMENT_WHERE[name] ?? [], engagement: true };
  if (name.startsWith('_')) return { error: `"${name}" is a Pinpoint system event (sessions, push, in-app, monetization) with no equivalent here` };
  if (!/^[A-Za-z0-9][\w.:-]{0,199}$/.test(name) || name.includes('.')) {
    return { error: `"${name}" cannot be a tracked event's name here (letters, digits, _ - :, no dot)` };
  }
  return { event: name, where: [], engagement: false };
}

/** A value as our condition syntax writes it: plain when it reads back the same, quoted otherwise. */
export function conditionValue(value: string | number): string {
  if (typeof value === 'number') return String(value);
  if (/^[\w@:/+-][\w@:/+.-]*$/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) && value !== 'true' && value !== 'false') return value;
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

export interface AttributeDimension {
  readonly AttributeType?: string;
  readonly Values?: readonly string[];
}
export interface MetricDimension {
  readonly ComparisonOperator?: string;
  readonly Value?: number;
}

export type Translated = { readonly conditions: readonly string[]; readonly note?: string } | { readonly error: string };

/** An attribute dimension on `subject` as our conditions (all must hold). */
export function attributeConditions(subject: string, dimension: AttributeDimension): Translated {
  const values = (dimension.Values ?? []).map((v) => String(v));
  const type = dimension.AttributeType ?? 'INCLUSIVE';
  if (values.length === 0) return { error: 'a dimension without values' };
  const list = `[${values.map(conditionValue).join(', ')}]`;
  switch (type) {
    case 'INCLUSIVE':
      return { conditions: [values.length === 1 ? `${subject} == ${conditionValue(values[0]!)}` : `${subject} in ${list}`] };
    case 'EXCLUSIVE':
      return { conditions: values.map((v) => `${subject} != ${conditionValue(v)}`) };
    case 'CONTAINS':
      if (values.length > 1) return { error: 'CONTAINS with several values (any of them) has no single condition here' };
      return { conditions: [`${subject} contains ${conditionValue(values[0]!)}`] };
    case 'BEFORE':
      return { conditions: [`${subject} < ${conditionValue(values[0]!)}`], note: 'dates compare as ISO text' };
    case 'AFTER':
      return { conditions: [`${subject} > ${conditionValue(values[0]!)}`], note: 'dates compare as ISO text' };
    case 'ON':
      return { conditions: [`${subject} contains ${conditionValue(values[0]!.slice(0, 10))}`], note: 'the date part of the value' };
    case 'BETWEEN':
      if (values.length !== 2) return { error: 'BETWEEN needs two values' };
      return { conditions: [`${subject} >= ${conditionValue(values[0]!)}`, `${subject} <= ${conditionValue(values[1]!)}`], note: 'dates compare as ISO text' };
    default:
      return { error: `attribute type ${type} is not known` };
  }
}

const OPERATORS: Readonly<Record<string, string>> = {
  EQUAL: '==',
  GREATER_THAN: '>',
  GREATER_THAN_OR_EQUAL: '>=',
  LESS_THAN: '<',
  LESS_THAN_OR_EQUAL: '<=',
};

/** A metric dimension on `subject` as our condition. */
export function metricCondition(subject: string, dimension: MetricDimension): Translated {
  const op = OPERATORS[dimension.ComparisonOperator ?? ''];
  if (!op || typeof dimension.Value !== 'number') return { error: `metric comparison ${dimension.ComparisonOperator ?? '(none)'} ${String(dimension.Value)} is not known` };
  return { conditions: [`${subject} ${op} ${dimension.Value}`] };
}

/** Object entries sorted by key, so output never depends on the export's key order. */
export function sortedEntries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
