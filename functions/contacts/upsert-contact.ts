import { createHash } from 'node:crypto';
import { requireAccess } from '../access/authorizer-context';
import { BadRequest, HttpError, ServiceBusy, annotate, header, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { FieldError } from '../shared/validation';
import { bodyOfType } from '../shared/body';
import { ContactContended } from './contacts';
import { checkUpsert } from './domain/upsert';
import type { UpsertOutcome, UpsertingDeps } from './upsert';

/** An upsert is one contact: 64 KB is far more than any honest one needs. */
const MAX_BODY_BYTES = 64 * 1024;

export type UpsertContactDeps = UpsertingDeps;

/** 400 naming every bad field (and, for a likely typo of the email's domain, the suggestion). */
export class InvalidContact extends HttpError {
  override name = 'InvalidContact';
  constructor(errors: readonly FieldError[], suggestion?: string) {
    super(400, 'validation_failed', 'Some fields are missing or invalid', { errors, ...(suggestion ? { suggestion } : {}) });
  }
}

/** The answer to an upsert outcome; conflicts and refusals are HttpErrors, so the one error mapper shapes them. */
export function answerOf(outcome: UpsertOutcome): HttpResult {
  const replayed: Record<string, string> = 'replayed' in outcome && outcome.replayed ? { 'idempotent-replayed': 'true' } : {};
  switch (outcome.type) {
    case 'Created':
      return json(201, { result: 'created', contactId: outcome.contactId, eventId: outcome.eventId }, replayed);
    case 'Updated':
      return json(200, { result: 'updated', contactId: outcome.contactId, eventId: outcome.eventId }, replayed);
    case 'Unchanged':
      return json(200, { result: 'unchanged', contactId: outcome.contactId }, replayed);
    case 'Conflict':
      throw new HttpError(409, outcome.code, outcome.message);
    case 'NotFound':
      throw new HttpError(404, 'not_found', outcome.message);
    case 'KeyReused':
      throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with another body; use a new key for a new request');
    case 'Erased':
      throw new HttpError(422, 'consent_required', outcome.message);
  }
}

/**
 * `PUT /contacts`: creates or updates one contact by email or external id — typed attributes, tags, consent per
 * topic — in one transaction with its `contact.upserted` event; nothing is written when nothing changes.
 */
export const makeUpsertContact =
  (deps: UpsertContactDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const text = bodyOfType(event, 'application/json', MAX_BODY_BYTES, 'Send the contact as application/json');
    const key = header(event, 'idempotency-key');
    if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new BadRequest('Idempotency-Key must be 1 to 200 visible ASCII characters', 'invalid_idempotency_key');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BadRequest('The body is not valid JSON', 'malformed_json');
    }
    const check = checkUpsert(raw, deps.rules);
    if (check.type === 'Invalid') throw new InvalidContact(check.errors, check.suggestion);

    const outcome = await deps.upserts
      .upsert(check.request, { via: 'api' }, deps.clock.now(), key ? { key, fingerprint: fingerprint(raw) } : undefined)
      .catch((error: unknown) => {
        if (error instanceof ContactContended) throw new ServiceBusy();
        throw error;
      });
    annotate(event, { outcome: outcome.type, ...('contactId' in outcome ? { contactId: outcome.contactId } : {}) });
    return answerOf(outcome);
  };

export function makeUpsertContactHandler(deps: UpsertContactDeps) {
  return httpHandler(makeUpsertContact(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}

/** A hash of the body with its keys sorted: the same request with its keys in another order is the same request. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('base64url');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
