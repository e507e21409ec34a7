import type { FieldSpec } from '../../shared/field-values';
import type { FieldError } from '../../shared/validation';
import { ATTRIBUTE_NAME, CONSENT_BASES } from './upsert';

/**
 * Importing a file of contacts: which field each column fills, how a row becomes the body of one upsert (the same
 * body `PUT /contacts` takes, checked by the same code), the consent rule for marketing topics, and reasons a
 * person can act on. Pure: the same settings and row always give the same contact or the same reasons.
 */

export type ConsentBasis = (typeof CONSENT_BASES)[number];

/** How a file is read into contacts (the CLI's flags, the import bucket's defaults). */
export interface ImportSettings {
  /** Column → field, before the names' own matching: `email`, `externalId`, `tags`, an attribute, or '' to skip it. */
  readonly map: Readonly<Record<string, string>>;
  /** The marketing topic every row subscribes to; each row needs consent in {@link consentColumn}. */
  readonly topic?: string;
  /** The column saying whether the person consented to {@link topic}. */
  readonly consentColumn?: string;
  /** How the consent was obtained, stored with it. */
  readonly basis: ConsentBasis;
  /** Where it came from (the file's name by default), stored with it. */
  readonly source: string;
  /** Import addresses the typo check questions (`gmial.com`) as they are written. */
  readonly confirmEmails: boolean;
}

/** What the settings are checked against: the form-declared attributes and the email topics. */
export interface ImportRules {
  readonly fields: ReadonlyMap<string, FieldSpec>;
  readonly topics: ReadonlySet<string>;
}

/** The field a column fills. */
export type ColumnTarget =
  | { readonly kind: 'email' | 'externalId' | 'tags' | 'consent' | 'skip' }
  /** Reached through `--map` only (a column named "phone" stays an attribute, as forms write it): the contact's phone, its consent statements. */
  | { readonly kind: 'phone' | 'consents' }
  | { readonly kind: 'attribute'; readonly name: string };

/** A column that fills nothing the upsert takes, and what to do about it. */
export interface ColumnProblem {
  readonly problem: string;
}

/** Column names a person writes for the upsert's own fields, compared after {@link normalizeName}. */
const ALIASES: Readonly<Record<string, ColumnTarget>> = {
  email: { kind: 'email' },
  e_mail: { kind: 'email' },
  email_address: { kind: 'email' },
  e_mail_address: { kind: 'email' },
  mail: { kind: 'email' },
  externalid: { kind: 'externalId' },
  external_id: { kind: 'externalId' },
  tags: { kind: 'tags' },
  tag: { kind: 'tags' },
  firstname: { kind: 'attribute', name: 'first_name' },
  given_name: { kind: 'attribute', name: 'first_name' },
  lastname: { kind: 'attribute', name: 'last_name' },
  surname: { kind: 'attribute', name: 'last_name' },
  family_name: { kind: 'attribute', name: 'last_name' },
};

/** Answers a consent column may hold, lower-cased. Anything else is neither, and the row is rejected. */
const YES = new Set(['yes', 'y', 'true', '1', 'x', 'subscribed', 'opt-in', 'opted-in', 'opted in', 'granted']);
const NO = new Set(['', 'no', 'n', 'false', '0', 'unsubscribed', 'opt-out', 'opted-out', 'opted out', 'denied']);

/** `First Name` → `first_name`, `E-Mail` → `e_mail`: case, accents, spaces and punctuation folded. */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The settings cannot run an import (a topic without a consent column, a bad `--map`). Nothing was read. */
export class InvalidImportSettings extends Error {
  override name = 'InvalidImportSettings';
}

/**
 * `--map "E-mail=email,First Name=first_name"` (each entry may hold several, comma-separated): column → field; a column
 * name may contain neither `=` nor `,`. Throws {@link InvalidImportSettings} naming the bad entry.
 */
export function parseColumnMap(entries: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const part of entries.flatMap((entry) => entry.split(','))) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at <= 0) throw new InvalidImportSettings(`--map "${part}": write Column=field (Column= skips the column)`);
    map[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return map;
}

/** What is wrong with the settings themselves, before any file is read. */
export function checkSettings(settings: ImportSettings, rules: ImportRules): string[] {
  const problems: string[] = [];
  if (settings.topic !== undefined) {
    if (!rules.topics.has(settings.topic) && settings.topic !== 'all') {
      problems.push(`--topic must be one of: ${['all', ...rules.topics].join(', ')}`);
    }
    if (settings.consentColumn === undefined) {
      problems.push('--topic needs --consent-column: a marketing topic is only subscribed with each row\'s consent');
    }
  } else if (settings.consentColumn !== undefined) {
    problems.push('--consent-column needs --topic: the topic the consent is for');
  }
  if (!(CONSENT_BASES as readonly string[]).includes(settings.basis)) problems.push(`--basis must be one of: ${CONSENT_BASES.join(', ')}`);
  if (settings.source.trim() === '' || settings.source.length > 100) problems.push('--source must be 1 to 100 characters');
  for (const [column, field] of Object.entries(settings.map)) {
    const target = mappedTarget(field);
    if ('problem' in target) problems.push(`--map "${column}=${field}": ${target.problem}`);
  }
  return problems;
}

/** A `--map` value: a field of the upsert, an attribute name, or '' / `-` to skip the column. */
function mappedTarget(field: string): ColumnTarget | ColumnProblem {
  if (field.trim() === '' || field.trim() === '-') return { kind: 'skip' };
  if (field.trim() === 'phone' || field.trim() === 'consents') return { kind: field.trim() as 'phone' | 'consents' };
  const name = normalizeName(field);
  const alias = ALIASES[name];
  if (alias) return alias;
  return ATTRIBUTE_NAME.test(name) ? { kind: 'attribute', name } : { problem: 'names no field (email, externalId, tags or a lower_snake_case attribute)' };
}

/**
 * The field one column fills: its `--map` entry, else the consent column, else its name's own meaning (an alias
 * or an attribute of that name). A name that cannot be an attribute is a problem naming the fix.
 */
export function columnTarget(column: string, settings: ImportSettings, rules: ImportRules): ColumnTarget | ColumnProblem {
  const key = normalizeName(column);
  const mapped = Object.entries(settings.map).find(([from]) => normalizeName(from) === key);
  if (settings.consentColumn !== undefined && normalizeName(settings.consentColumn) === key) return { kind: 'consent' };
  const target = mapped ? mappedTarget(mapped[1]) : (ALIASES[key] ?? { kind: 'attribute' as const, name: key });
  if ('problem' in target || target.kind !== 'attribute') return target;
  const fix = `map it with --map "${column}=<attribute>" or skip it with --map "${column}="`;
  const spec = rules.fields.get(target.name);
  if (target.name.startsWith('utm_')) return { problem: `column "${column}": utm_* values are not attributes (they come with form posts and tracking); skip it with --map "${column}="` };
  if (spec?.type === 'email') return { problem: `column "${column}" is an email field: map it with --map "${column}=email" or skip it` };
  if (spec?.type === 'consent') {
    return { problem: `column "${column}" is a consent field: import consent with --topic <topic> --consent-column "${column}", or skip it with --map "${column}="` };
  }
  if (!ATTRIBUTE_NAME.test(target.name)) return { problem: `column "${column}" is not a possible attribute name (lower_snake_case, starting with a letter): ${fix}` };
  return target;
}

export type ColumnPlan =
  | { readonly type: 'Planned'; readonly columns: ReadonlyMap<string, ColumnTarget> }
  | { readonly type: 'Unplannable'; readonly problems: readonly string[] };

/**
 * The target of every column of a CSV header, checked as a whole: each column fills one field at most, an email
 * (or external id) column exists, the consent column and every `--map` column are in the file.
 */
export function planColumns(headers: readonly string[], settings: ImportSettings, rules: ImportRules): ColumnPlan {
  const problems: string[] = [];
  const columns = new Map<string, ColumnTarget>();
  const filledBy = new Map<string, string>();
  for (const header of headers) {
    const target = columnTarget(header, settings, rules);
    if ('problem' in target) {
      problems.push(target.problem);
      continue;
    }
    columns.set(header, target);
    if (target.kind === 'skip') continue;
    const field = target.kind === 'attribute' ? target.name : target.kind;
    const other = filledBy.get(field);
    if (other !== undefined) problems.push(`columns "${other}" and "${header}" both fill ${field}: skip one with --map "${header}="`);
    filledBy.set(field, header);
  }
  const known = new Set(headers.map(normalizeName));
  for (const column of Object.keys(settings.map)) {
    if (!known.has(normalizeName(column))) problems.push(`--map names the column "${column}", which the file does not have`);
  }
  if (settings.consentColumn !== undefined && !known.has(normalizeName(settings.consentColumn))) {
    problems.push(`--consent-column "${settings.consentColumn}" is not a column of the file`);
  }
  if (!filledBy.has('email') && !filledBy.has('externalId')) {
    const named = headers.slice(0, 12).map((h) => `"${h.slice(0, 40)}"`).join(', ');
    problems.push(`no email column (the columns are ${named}${headers.length > 12 ? ', …' : ''}): name one "email" or map it with --map "<column>=email"`);
  }
  return problems.length > 0 ? { type: 'Unplannable', problems } : { type: 'Planned', columns };
}

export type RowContact =
  /** The body of one upsert, as `PUT /contacts` takes it. */
  | { readonly type: 'Contact'; readonly body: Record<string, unknown> }
  | { readonly type: 'Rejected'; readonly reasons: readonly string[] };

/**
 * One row as the body of an upsert. Empty cells (and JSON nulls) are left out, so an import never removes an
 * attribute; tags are a list, or text split at `;` or `,`. With a topic, the row subscribes to it only when its
 * consent column says yes; a row without that consent is rejected, never imported without it or subscribed.
 */
export function rowContact(
  values: Readonly<Record<string, unknown>>,
  targetOf: (column: string) => ColumnTarget | ColumnProblem,
  settings: ImportSettings,
): RowContact {
  const reasons: string[] = [];
  const body: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  let consent: unknown;
  for (const [column, value] of Object.entries(values)) {
    const target = targetOf(column);
    if ('problem' in target) {
      if (!isEmpty(value)) reasons.push(target.problem);
      continue;
    }
    if (target.kind === 'consent') consent = value;
    if (isEmpty(value) || target.kind === 'skip' || target.kind === 'consent') continue;
    switch (target.kind) {
      case 'email':
        body.email = typeof value === 'string' ? value.trim() : value;
        break;
      case 'externalId':
        body.externalId = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : value;
        break;
      case 'tags':
        body.tags = typeof value === 'string' ? value.split(/[;,]/).map((tag) => tag.trim()).filter(Boolean) : value;
        break;
      case 'attribute':
        attributes[target.name] = value;
        break;
      case 'phone':
        body.phone = typeof value === 'string' ? value.trim() : value;
        break;
      case 'consents':
        // Statements as `PUT /contacts` takes them (NDJSON: a list), checked by the same code.
        if (Array.isArray(value)) body.consents = value;
        else reasons.push(`column "${column}": consents are a list of { topic, status, basis, source, channel? }`);
        break;
    }
  }
  if (Object.keys(attributes).length > 0) body.attributes = attributes;
  if (settings.confirmEmails) body.emailConfirmed = true;
  if (settings.topic !== undefined) {
    const column = settings.consentColumn ?? 'consent';
    const answer = consentAnswer(consent);
    if (answer === 'yes') body.consents = [...((body.consents as unknown[] | undefined) ?? []), { topic: settings.topic, status: 'subscribed', basis: settings.basis, source: settings.source }];
    else if (answer === 'no') reasons.push(`no consent to "${settings.topic}" (the "${column}" column is empty or no): rows imported with --topic need consent`);
    else reasons.push(`the "${column}" column must say yes or no (yes, y, true, 1, x, subscribed / no, n, false, 0, unsubscribed or empty)`);
  }
  return reasons.length > 0 ? { type: 'Rejected', reasons } : { type: 'Contact', body };
}

/** Whether a consent cell grants it, refuses it, or says neither. */
export function consentAnswer(value: unknown): 'yes' | 'no' | 'unclear' {
  if (value === undefined || value === null) return 'no';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value === 1 ? 'yes' : value === 0 ? 'no' : 'unclear';
  if (typeof value !== 'string') return 'unclear';
  const text = value.trim().toLowerCase();
  return YES.has(text) ? 'yes' : NO.has(text) ? 'no' : 'unclear';
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The upsert's field errors as reasons for a report, which carries row numbers and reasons but never an address:
 * a typo suggestion (`did you mean ada@gmail.com?`) keeps only its domain.
 */
export function rowReasons(errors: readonly FieldError[], suggestion?: string): string[] {
  return errors.map((error) => {
    const field = error.field.replace(/^attributes\./, '').replace(/^\(body\)$/, 'row');
    if (error.field === 'email' && suggestion !== undefined) {
      const domain = suggestion.slice(suggestion.lastIndexOf('@') + 1);
      return `email: the domain looks mistyped (did you mean @${domain}?); --confirm-emails imports addresses as written`;
    }
    return `${field}: ${error.message}`;
  });
}
