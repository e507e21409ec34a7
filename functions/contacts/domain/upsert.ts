import * as z from 'zod';
import type { Contact, Subscription } from '../../shared/contact';
import { checkEmail, type EmailPolicy } from '../../shared/email-address';
import { singleLine, typedValue, type FieldSpec } from '../../shared/field-values';
import { CONSENT_CHANNELS, type ConsentChannel, type ConsentStatement, type ContactUpsertedData } from '../events';
import { normalizePhone } from '../../shared/phone-number';
import { fieldErrors, type FieldError } from '../../shared/validation';
import type { FieldValue } from '../../shared/values';

/**
 * Upserting a contact through the contacts API (`PUT /contacts`, enrolments that create contacts, imports): the
 * request's checks, and what a request changes on a profile. Pure: the same request and profile always give the
 * same outcome.
 */

/** How consent may be stated as obtained. Stored on the profile and in events: add values, never rename one. */
export const CONSENT_BASES = ['form', 'import', 'api', 'crm', 'double_opt_in', 'in_person', 'legitimate_interest'] as const;

/** What an attribute may be called: lower_snake_case, at most 64 characters (imports check their columns against it). */
export const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_ATTRIBUTES = 100;
const MAX_FREE_TEXT = 2_000;
const tag = z
  .string()
  .transform((text) => singleLine(text))
  .pipe(z.string().min(1, 'must not be blank').max(64, 'must be at most 64 characters'));

const ConsentInput = z.strictObject({
  topic: z.string().min(1).max(40),
  status: z.enum(['subscribed', 'unsubscribed']),
  basis: z.enum(CONSENT_BASES),
  source: z.string().transform((text) => singleLine(text)).pipe(z.string().min(1, 'must not be blank').max(100)),
  /** `email` (the default) or `sms`: consent to one channel is not consent to the other. */
  channel: z.enum(CONSENT_CHANNELS).optional(),
});

/** The JSON body of `PUT /contacts`, before attributes are typed. */
export const UpsertBody = z
  .strictObject({
    email: z.string().max(320).optional(),
    /** Accept an address the typo check questions (`gmial.com`) as it is. */
    emailConfirmed: z.boolean().optional(),
    externalId: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters').optional(),
    /** Attribute values (null removes one); typed as the forms declaring them type them. */
    attributes: z.record(z.string(), z.unknown()).default({}),
    /** Tags to add (a list), or `{ add, remove }`. */
    tags: z
      .union([z.array(tag).max(50), z.strictObject({ add: z.array(tag).max(50).default([]), remove: z.array(tag).max(50).default([]) })])
      .optional(),
    /** The mobile number SMS go to, E.164 or national in the configured SMS default country; null removes it. */
    phone: z.union([z.string().max(40), z.null()]).optional(),
    consents: z.array(ConsentInput).max(20).default([]),
  })
  .refine((body) => body.email !== undefined || body.externalId !== undefined, { message: 'give an email, an externalId or both', path: ['email'] });
export type UpsertBody = z.infer<typeof UpsertBody>;

/** A request that passed every check: email normalised, attributes typed. */
export interface UpsertRequest {
  /** The uniqueness key, as forms normalise it. */
  readonly email?: string;
  readonly emailRole?: boolean;
  readonly externalId?: string;
  /** Typed values to set. */
  readonly set: Readonly<Record<string, FieldValue>>;
  /** Attributes to remove (sent as null). */
  readonly clear: readonly string[];
  readonly addTags: readonly string[];
  readonly removeTags: readonly string[];
  readonly consents: readonly ConsentStatement[];
  /** The mobile number to set, in E.164; null removes the contact's number; absent leaves it. */
  readonly phone?: string | null;
}

/** What the checks need from configuration. */
export interface UpsertRules {
  /** Attributes declared by the forms, by name: their values are typed as the form field types them. */
  readonly fields: ReadonlyMap<string, FieldSpec>;
  /** Email topics a consent may name (`all` is always allowed). */
  readonly topics: ReadonlySet<string>;
  readonly isDisposable: EmailPolicy['isDisposable'];
  /** The country a number without its country code is read in (config `sms.defaultCountry`); none: numbers need `+`. */
  readonly defaultCountry?: string;
}

export type UpsertCheck =
  | { readonly type: 'Valid'; readonly request: UpsertRequest }
  | { readonly type: 'Invalid'; readonly errors: readonly FieldError[]; readonly suggestion?: string };

/** Checks a raw body: its shape, then the email as forms check it, each attribute against its type, each topic. */
export function checkUpsert(raw: unknown, rules: UpsertRules): UpsertCheck {
  const parsed = UpsertBody.safeParse(raw);
  if (!parsed.success) return { type: 'Invalid', errors: fieldErrors(parsed.error, '(body)') };
  const body = parsed.data;
  const errors: FieldError[] = [];
  let suggestion: string | undefined;

  let email: { key: string; role: boolean } | undefined;
  if (body.email !== undefined) {
    const check = checkEmail(body.email, { isDisposable: rules.isDisposable, rejectFreeMail: false, confirmed: body.emailConfirmed === true });
    if (check.type === 'Rejected') {
      errors.push({ field: 'email', message: check.message });
      suggestion = check.suggestion;
    } else {
      email = { key: check.key, role: check.role };
    }
  }

  const set: Record<string, FieldValue> = {};
  const clear: string[] = [];
  const entries = Object.entries(body.attributes);
  if (entries.length > MAX_ATTRIBUTES) errors.push({ field: 'attributes', message: `must have at most ${MAX_ATTRIBUTES} attributes` });
  for (const [name, input] of entries.slice(0, MAX_ATTRIBUTES)) {
    const field = `attributes.${name}`;
    const spec = rules.fields.get(name);
    if (!ATTRIBUTE_NAME.test(name) || name.startsWith('utm_')) {
      errors.push({ field, message: 'attribute names are lower_snake_case, at most 64 characters, not utm_*' });
    } else if (name === 'email' || spec?.type === 'email') {
      errors.push({ field, message: 'the email is not an attribute: send it as "email"' });
    } else if (spec?.type === 'consent') {
      errors.push({ field, message: 'is a consent field: state consent in "consents"' });
    } else if (input === null) {
      clear.push(name);
    } else {
      const result = spec ? typedValue(spec, input) : freeValue(input);
      if ('error' in result) errors.push({ field, message: result.error });
      else if (result.value === undefined) clear.push(name);
      else set[name] = result.value;
    }
  }

  const addTags = Array.isArray(body.tags) ? body.tags : (body.tags?.add ?? []);
  const removeTags = Array.isArray(body.tags) ? [] : (body.tags?.remove ?? []);
  for (const both of addTags.filter((t) => removeTags.includes(t))) errors.push({ field: 'tags', message: `"${both}" is both added and removed` });

  let phone: string | null | undefined;
  if (body.phone === null) phone = null;
  else if (body.phone !== undefined) {
    const normalized = normalizePhone(body.phone, rules.defaultCountry);
    if ('error' in normalized) errors.push({ field: 'phone', message: normalized.error });
    else phone = normalized.phone;
  }

  const seen = new Set<string>();
  body.consents.forEach((consent, i) => {
    if (consent.topic !== 'all' && !rules.topics.has(consent.topic)) {
      errors.push({ field: `consents.${i}.topic`, message: `must be one of: ${['all', ...rules.topics].join(', ')}` });
    }
    const key = `${channelOf(consent)} ${consent.topic}`;
    if (seen.has(key)) errors.push({ field: `consents.${i}.topic`, message: 'is stated twice' });
    seen.add(key);
  });

  if (errors.length > 0) return { type: 'Invalid', errors, ...(suggestion ? { suggestion } : {}) };
  return {
    type: 'Valid',
    request: {
      ...(email ? { email: email.key, emailRole: email.role } : {}),
      ...(body.externalId !== undefined ? { externalId: body.externalId } : {}),
      set,
      clear,
      addTags: [...new Set(addTags)],
      removeTags: [...new Set(removeTags)],
      consents: body.consents,
      ...(phone !== undefined ? { phone } : {}),
    },
  };
}

/** The channel a consent statement is about: `email` unless it says `sms`. */
export function channelOf(consent: { readonly channel?: ConsentChannel | undefined }): ConsentChannel {
  return consent.channel ?? 'email';
}

/** An attribute no form declares: one text (cleaned as forms clean single-line text), number or boolean. */
function freeValue(input: unknown): { value: FieldValue | undefined } | { error: string } {
  if (typeof input === 'boolean') return { value: input };
  if (typeof input === 'number') {
    return Number.isFinite(input) && Math.abs(input) <= Number.MAX_SAFE_INTEGER ? { value: input } : { error: 'must be a number' };
  }
  if (typeof input !== 'string') return { error: 'must be text, a number, true/false or null' };
  const text = singleLine(input);
  if ([...text].length > MAX_FREE_TEXT) return { error: `must be at most ${MAX_FREE_TEXT} characters` };
  return { value: text === '' ? undefined : text };
}

/** What an upsert does to a profile. */
export type UpsertDecision =
  | { readonly type: 'Create'; readonly contact: Contact; readonly change: ContactUpsertedData }
  | {
      readonly type: 'Update';
      /** The profile as it will be stored. */
      readonly contact: Contact;
      readonly change: ContactUpsertedData;
      /** The address the contact had, when this write changes it (its claim moves). */
      readonly previousEmail?: string;
    }
  | { readonly type: 'Unchanged'; readonly contact: Contact };

/**
 * Applies a checked request to the profile found for it (undefined: create one). `via` says which door it came
 * through. Only real changes count: an attribute set to the value it has, a tag it has, a consent status it has
 * are not changes, and a request with none is `Unchanged` (no write, no event).
 */
export function decideUpsert(
  request: UpsertRequest,
  existing: Contact | undefined,
  context: { readonly contactId: string; readonly now: string; readonly via: ContactUpsertedData['via']; readonly journeyId?: string },
): UpsertDecision {
  const { now, via } = context;
  if (!existing && request.email === undefined) throw new Error('a new contact needs an email (resolveTarget refuses this)');
  const base: Contact = existing ?? { contactId: context.contactId, email: request.email!, attributes: {}, createdAt: now, updatedAt: now };

  const attributes = { ...base.attributes };
  const set: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(request.set)) {
    if (attributes[name] === value) continue;
    attributes[name] = value;
    set[name] = value;
  }
  const cleared = request.clear.filter((name) => name in attributes);
  for (const name of cleared) delete attributes[name];

  const tags = [...(base.tags ?? [])];
  const addedTags = request.addTags.filter((t) => !tags.includes(t));
  const removedTags = request.removeTags.filter((t) => tags.includes(t));
  const newTags = [...tags.filter((t) => !removedTags.includes(t)), ...addedTags];

  const subscriptions: Record<string, Subscription> = { ...(base.subscriptions ?? {}) };
  const smsSubscriptions: Record<string, Subscription> = { ...(base.smsSubscriptions ?? {}) };
  const recordsOf = (consent: ConsentStatement) => (channelOf(consent) === 'sms' ? smsSubscriptions : subscriptions);
  const consents = request.consents.filter((consent) => recordsOf(consent)[consent.topic]?.status !== consent.status);
  for (const consent of consents) {
    recordsOf(consent)[consent.topic] = { status: consent.status, at: now, source: consent.source, basis: consent.basis };
  }
  const phoneChange: 'set' | 'cleared' | undefined =
    request.phone === null ? (base.phone !== undefined ? 'cleared' : undefined) : request.phone !== undefined && request.phone !== base.phone ? 'set' : undefined;

  const emailChanged = existing !== undefined && request.email !== undefined && request.email !== existing.email;
  const externalId = request.externalId !== undefined && base.externalId !== request.externalId ? request.externalId : undefined;

  const change: ContactUpsertedData = {
    via,
    created: !existing,
    set,
    cleared,
    addedTags,
    removedTags,
    consents,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(emailChanged ? { emailChanged: true } : {}),
    ...(phoneChange ? { phone: phoneChange } : {}),
    ...(context.journeyId ? { journeyId: context.journeyId } : {}),
  };
  const changed =
    !existing ||
    emailChanged ||
    phoneChange !== undefined ||
    externalId !== undefined ||
    Object.keys(set).length + cleared.length + addedTags.length + removedTags.length + consents.length > 0;
  if (!changed) return { type: 'Unchanged', contact: existing };

  const contact: Contact = {
    ...base,
    ...(emailChanged ? { email: request.email! } : {}),
    ...(request.emailRole && (emailChanged || !existing) ? { emailRole: true } : {}),
    attributes,
    ...(newTags.length > 0 || base.tags ? { tags: newTags } : {}),
    ...(Object.keys(subscriptions).length > 0 ? { subscriptions } : {}),
    ...(Object.keys(smsSubscriptions).length > 0 ? { smsSubscriptions } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
    ...(phoneChange === 'set' ? { phone: request.phone! } : {}),
    updatedAt: now,
  };
  if (emailChanged && !request.emailRole) delete contact.emailRole;
  if (phoneChange === 'cleared') delete contact.phone;
  if (!existing) return { type: 'Create', contact, change };
  return { type: 'Update', contact, change, ...(emailChanged ? { previousEmail: existing.email } : {}) };
}

/** Why an upsert cannot go ahead with the contacts its email and external id point at. */
export type UpsertConflict =
  | { readonly type: 'ExternalIdTaken'; readonly message: string }
  | { readonly type: 'ExternalIdDiffers'; readonly message: string }
  | { readonly type: 'UnknownExternalId'; readonly message: string };

/**
 * Which contact an upsert writes, from what its email claim and external-id claim point at: the one they agree on,
 * a new one, or a conflict (never a merge of two contacts).
 */
export function resolveTarget(
  request: UpsertRequest,
  found: { readonly byEmail?: string; readonly byExternalId?: string; readonly externalIdOfEmailContact?: string },
): { readonly type: 'Existing'; readonly contactId: string } | { readonly type: 'New' } | UpsertConflict {
  const { byEmail, byExternalId } = found;
  if (request.externalId !== undefined) {
    if (byExternalId && byEmail && byExternalId !== byEmail) {
      return { type: 'ExternalIdTaken', message: 'This externalId belongs to another contact than this email' };
    }
    if (!byExternalId && byEmail && found.externalIdOfEmailContact !== undefined && found.externalIdOfEmailContact !== request.externalId) {
      return { type: 'ExternalIdDiffers', message: 'The contact of this email already has another externalId' };
    }
    if (byExternalId) return { type: 'Existing', contactId: byExternalId };
  }
  if (byEmail) return { type: 'Existing', contactId: byEmail };
  if (request.email === undefined) {
    return { type: 'UnknownExternalId', message: 'No contact has this externalId; send an email too to create one' };
  }
  return { type: 'New' };
}
