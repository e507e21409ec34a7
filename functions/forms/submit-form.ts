import { createHash } from 'node:crypto';
import { ContactContended } from '../contacts/contacts';
import { readFields, bodyKind, type BodyKind, type RawFields } from '../shared/body';
import {
  annotate,
  escapeHtml,
  header,
  html,
  HttpError,
  httpHandler,
  json,
  NotFound,
  ServiceBusy,
  ValidationFailed,
  wantsHtml,
  type HttpEvent,
  type HttpResult,
} from '../shared/http';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { FieldError } from '../shared/validation';
import type { CaptchaVerifier } from './captcha';
import type { FormDefinition } from './domain/form-definition';
import {
  CAPTCHA_RESPONSE_KEYS,
  EMAIL_CONFIRMED_KEY,
  RENDER_TOKEN_KEY,
  SUBMISSION_ID_KEY,
} from './domain/hidden-fields';
import { checkSubmission, type ValidSubmission } from './domain/submission';
import { serveEmbed } from './embed/serve-embed';
import { IntakeUnavailable, type Intake } from './intake';
import type { Signer } from './signing';

/** Form posts are small; anything larger is a mistake or abuse. */
export const MAX_FORM_BYTES = 64 * 1024;
/** A render token older than this is refused like a forged one (a page left open a week re-renders). */
const MAX_TOKEN_AGE_MS = 7 * 24 * 60 * 60 * 1_000;

export interface SubmitFormDeps {
  readonly forms: ReadonlyMap<string, FormDefinition>;
  readonly intake: Intake;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Signs and checks render tokens and visitor tokens. */
  readonly signer: Signer;
  readonly captcha: CaptchaVerifier;
  /** Domains of disposable mailbox services. */
  readonly isDisposable: (domain: string) => boolean;
  /**
   * Merges an anonymous id's tracked activity into the contact a post just linked it to (functions/tracking).
   * Best effort: a failure is logged, and the next tracking call with that id finishes the merge.
   */
  readonly mergeAnonymous?: (anonymousId: string) => Promise<void>;
  /**
   * The API's public base URL (`PUBLIC_BASE_URL`, which the stack knows): the API's own origin, for same-origin
   * posts and relative redirects. Never taken from `Host` or `X-Forwarded-Proto`, which a client can set.
   */
  readonly publicUrl: string;
}

export class OriginNotAllowed extends HttpError {
  override name = 'OriginNotAllowed';
  constructor(origin: string) {
    super(403, 'origin_not_allowed', `Pages on ${origin} may not post this form`);
  }
}

/** 422 for an address that looks mistyped: the suggestion is one click away (or `email_confirmed=true`). */
export class EmailSuggestion extends HttpError {
  override name = 'EmailSuggestion';
  constructor(
    readonly errors: readonly FieldError[],
    readonly suggestion: string,
  ) {
    super(422, 'validation_failed', 'Some fields are missing or invalid', { errors, suggestion });
  }
}

export class InvalidIdempotencyKey extends HttpError {
  override name = 'InvalidIdempotencyKey';
  constructor() {
    super(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
  }
}

/** Why a post was taken for a bot; all of them are answered exactly as a person is. */
type BotReason = 'honeypot' | 'render_token' | 'too_fast' | 'captcha';

/** POST /forms/{formId} (and its CORS preflight): validate, then record contact + event in one transaction. */
export const makeSubmitForm =
  (deps: SubmitFormDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    if (event.routeKey === 'GET /embed.js') return serveEmbed(event);
    const form = formOf(deps.forms, event);
    annotate(event, { formId: form.id });
    const origin = header(event, 'origin');
    if (origin && !originAllowed(form, origin, deps)) throw new OriginNotAllowed(origin);
    if (event.requestContext.http.method === 'OPTIONS') return { statusCode: 204, headers: preflightHeaders(event) };
    if (event.requestContext.http.method === 'GET') return formConfig(deps, form, event);

    const { kind, fields } = await readFields(event, MAX_FORM_BYTES);
    const now = deps.clock.now();
    const idempotencyKey = idempotencyKeyOf(event, fields);
    const bot = await botCheck(deps, form, fields, event, now);
    if (bot) return answerBot(deps, form, event, kind, bot, now);

    const check = checkSubmission(form, fields, event.queryStringParameters ?? {}, { isDisposable: deps.isDisposable });
    if (check.type === 'Spam') return answerBot(deps, form, event, kind, 'honeypot', now);
    if (check.type === 'Invalid') {
      if (!check.suggestion) throw new ValidationFailed(check.errors);
      if (kind !== 'json' && wantsHtml(event)) return suggestionPage(form, event, deps, fields, check.suggestion, check.errors);
      throw new EmailSuggestion(check.errors, check.suggestion);
    }

    const recorded = await deps.intake
      .record({ ...intakeOf(form, check.submission, event), ...(idempotencyKey ? { idempotencyKey } : { contentKey: contentKeyOf(form.id, fields) }) }, now)
      .catch((error: unknown) => {
        if (error instanceof ContactContended || error instanceof IntakeUnavailable) throw new ServiceBusy();
        throw error;
      });
    annotate(event, { contactId: recorded.contactId, created: recorded.created, replayed: recorded.replayed });
    if (check.submission.anonymousId && deps.mergeAnonymous && !recorded.replayed && !recorded.anonymousMerged) {
      await deps.mergeAnonymous(check.submission.anonymousId).catch((error: unknown) => {
        deps.logger.warn('anonymous activity not merged yet', { contactId: recorded.contactId, error: String(error) });
      });
    }

    if (kind !== 'json' && wantsHtml(event)) return redirectTo(form, event, deps);
    return json(recorded.created ? 201 : 200, {
      contactId: recorded.contactId,
      eventId: recorded.eventId,
      visitor: await deps.signer.visitorToken(recorded.contactId),
    });
  };

/** The submit-form handler with the shared middleware stack, CORS on every answer, HTML errors for browsers. */
export function makeSubmitFormHandler(deps: SubmitFormDeps) {
  return httpHandler(makeSubmitForm(deps), {
    logger: deps.logger,
    htmlErrors: isBrowserFormPost,
    responseHeaders: (event) => corsHeaders(deps, event),
  });
}

function intakeOf(form: FormDefinition, submission: ValidSubmission, event: HttpEvent) {
  const referrer = header(event, 'referer');
  const { userAgent, sourceIp } = event.requestContext.http;
  return {
    email: submission.email,
    emailRole: submission.emailRole,
    data: {
      formId: form.id,
      fields: submission.fields,
      utm: submission.utm,
      ...(referrer ? { referrer: referrer.slice(0, 2_000) } : {}),
      ...(userAgent ? { userAgent: userAgent.slice(0, 500) } : {}),
      ...(sourceIp ? { ip: sourceIp } : {}),
      ...(Object.keys(submission.clickIds).length ? { clickIds: submission.clickIds } : {}),
      ...(submission.landingPage ? { landingPage: submission.landingPage } : {}),
      ...(submission.referrer ? { pageReferrer: submission.referrer } : {}),
      ...(submission.consents.length ? { consents: [...submission.consents] } : {}),
      ...(submission.unknownFields ? { unknownFields: submission.unknownFields } : {}),
      ...(submission.anonymousId ? { anonymousId: submission.anonymousId } : {}),
    },
  };
}

/** The header wins over the snippet's field; both are scoped to the form by the store. */
/** The same fields posted to the same form give the same key, whatever their order or the body's encoding. */
function contentKeyOf(formId: string, fields: RawFields): string {
  const sorted = Object.keys(fields).sort().map((name) => [name, fields[name]]);
  return createHash('sha256').update(JSON.stringify([formId, sorted])).digest('base64url');
}

function idempotencyKeyOf(event: HttpEvent, fields: RawFields): string | undefined {
  const key = header(event, 'idempotency-key') ?? fields[SUBMISSION_ID_KEY];
  if (key === undefined || key === '') return undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) throw new InvalidIdempotencyKey();
  return key;
}

/** The bot checks that come before validation: render token and captcha (the honeypot is the form rules'). */
async function botCheck(
  deps: SubmitFormDeps,
  form: FormDefinition,
  fields: RawFields,
  event: HttpEvent,
  now: Date,
): Promise<BotReason | undefined> {
  if (form.honeypot && typeof fields[form.honeypot] === 'string' && (fields[form.honeypot] as string).trim()) return 'honeypot';
  const token = fields[RENDER_TOKEN_KEY];
  if (token !== undefined && token !== '') {
    const check = typeof token === 'string' ? await deps.signer.checkRenderToken(form.id, token, now) : { type: 'Forged' as const };
    if (check.type === 'Forged' || check.ageMs > MAX_TOKEN_AGE_MS) return 'render_token';
    if (check.ageMs < form.minFillSeconds * 1_000) return 'too_fast';
  } else if (form.requireRenderToken) {
    return 'render_token';
  }
  if (form.captcha) {
    const response = fields[CAPTCHA_RESPONSE_KEYS[form.captcha.provider]];
    const ok = typeof response === 'string' && (await deps.captcha.verify(form.captcha.provider, response, event.requestContext.http.sourceIp));
    if (!ok) return 'captcha';
  }
  return undefined;
}

/**
 * A bot gets what a person gets — a 303 to the thank-you page, or 201 with ids (random, pointing at nothing) —
 * so it cannot tell it was caught; only a daily counter per reason is stored.
 */
async function answerBot(
  deps: SubmitFormDeps,
  form: FormDefinition,
  event: HttpEvent,
  kind: BodyKind,
  reason: BotReason,
  now: Date,
): Promise<HttpResult> {
  annotate(event, { outcome: `bot (${reason}); dropped` });
  await deps.intake.countBot(form.id, reason, now).catch((error: unknown) => {
    deps.logger.warn('bot counter not updated', { error: String(error) });
  });
  if (kind !== 'json' && wantsHtml(event)) return redirectTo(form, event, deps);
  const contactId = ulid(now.getTime());
  return json(201, { contactId, eventId: ulid(now.getTime()), visitor: await deps.signer.visitorToken(contactId) });
}

/**
 * GET /forms/{formId}/config: what the embed snippet needs to render a form — a fresh render token, the captcha
 * widget to show, and (for a visitor whose signed visitor token names a known contact) which fields to ask:
 * progressive fields the profile already has are left out.
 */
async function formConfig(deps: SubmitFormDeps, form: FormDefinition, event: HttpEvent): Promise<HttpResult> {
  const visitor = event.queryStringParameters?.visitor;
  let known = new Set<string>();
  if (visitor && form.progressiveFields.length > 0) {
    const contactId = await deps.signer.visitorOf(visitor);
    const profile = contactId ? await deps.intake.profile(contactId) : undefined;
    if (profile) known = new Set(Object.keys(profile.attributes));
  }
  const hidden = form.progressiveFields.filter((name) => known.has(name));
  return json(
    200,
    {
      formId: form.id,
      token: await deps.signer.renderToken(form.id, deps.clock.now()),
      fields: form.fields.filter((field) => !hidden.includes(field.name)).map((field) => field.name),
      hiddenFields: hidden,
      ...(form.captcha ? { captcha: form.captcha } : {}),
      redirectUrl: form.redirectUrl,
      cookiesNeedConsent: form.cookiesNeedConsent,
      consentFields: form.fields.filter((field) => field.type === 'consent').map((field) => field.name),
    },
    { 'cache-control': 'no-store' },
  );
}

function formOf(forms: ReadonlyMap<string, FormDefinition>, event: HttpEvent): FormDefinition {
  const formId = event.pathParameters?.formId ?? '';
  const form = forms.get(formId);
  if (!form) throw new NotFound(`There is no form "${formId.slice(0, 100)}"`);
  return form;
}

/** Same-origin posts are always allowed; cross-origin ones only from the form's declared origins. */
function originAllowed(form: FormDefinition, origin: string, deps: OwnSite): boolean {
  if (form.allowedOrigins.includes('*') || form.allowedOrigins.includes(origin)) return true;
  return origin !== 'null' && origin === ownOrigin(deps);
}

function corsHeaders(deps: Pick<SubmitFormDeps, 'forms' | 'publicUrl'>, event: HttpEvent): Record<string, string> {
  const origin = header(event, 'origin');
  const form = deps.forms.get(event.pathParameters?.formId ?? '');
  if (!origin || !form || !originAllowed(form, origin, deps)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

function preflightHeaders(event: HttpEvent): Record<string, string> {
  return {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': header(event, 'access-control-request-headers') ?? 'content-type',
    'access-control-max-age': '86400',
  };
}

function isBrowserFormPost(event: HttpEvent): boolean {
  const kind = bodyKind(header(event, 'content-type'));
  return (kind === 'urlencoded' || kind === 'multipart') && wantsHtml(event);
}

/** 303 sends the browser to the thank-you page with a GET, so a reload does not post the form again. */
function redirectTo(form: FormDefinition, event: HttpEvent, deps: OwnSite): HttpResult {
  return { statusCode: 303, headers: { location: new URL(form.redirectUrl, siteOf(form, event, deps)).toString() }, body: '' };
}

/**
 * The site a relative redirect (and the error page's way back) resolves against: the posting page's origin when
 * the form allows it, else the API's own origin. `Origin` is set by the browser and already checked; `Referer` is
 * used only when it names an origin the form lists explicitly, so no header can send a visitor elsewhere.
 */
function siteOf(form: FormDefinition, event: HttpEvent, deps: OwnSite): string {
  const origin = header(event, 'origin');
  if (origin && origin !== 'null' && originAllowed(form, origin, deps)) return origin;
  const referrer = webOrigin(header(event, 'referer'));
  if (referrer && (form.allowedOrigins.includes(referrer) || referrer === ownOrigin(deps))) return referrer;
  return ownOrigin(deps);
}

function webOrigin(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

type OwnSite = Pick<SubmitFormDeps, 'publicUrl'>;

function ownOrigin(deps: OwnSite): string {
  return new URL(deps.publicUrl).origin;
}

/**
 * The 422 page for a browser post whose address looks mistyped: two buttons that post the same fields again,
 * one with the suggested address, one with the address as typed and `email_confirmed=true`. When other fields are
 * wrong too, posting again cannot succeed: the page lists every error, the suggestion with the email's, and links
 * back to the form instead.
 */
function suggestionPage(
  form: FormDefinition,
  event: HttpEvent,
  deps: OwnSite,
  fields: RawFields,
  suggestion: string,
  errors: readonly FieldError[],
): HttpResult {
  const others = errors.filter((error) => error.field !== 'email');
  if (others.length > 0) return errorsWithSuggestionPage(form, event, deps, suggestion, others);
  const action = `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  const hidden = (overrides: Record<string, string>) =>
    Object.entries({ ...fields, ...overrides })
      .flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]]))
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join('');
  const typed = typeof fields.email === 'string' ? fields.email : '';
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Please check your email address</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font:inherit;margin:.5rem .5rem 0 0;padding:.5rem 1rem}</style></head>
<body><h1>Did you mean <span id="suggestion">${escapeHtml(suggestion)}</span>?</h1>
<form method="post" action="${escapeHtml(action)}">${hidden({ email: suggestion })}<button type="submit" id="use-suggestion">Yes, use ${escapeHtml(suggestion)}</button></form>
<form method="post" action="${escapeHtml(action)}">${hidden({ [EMAIL_CONFIRMED_KEY]: 'true' })}<button type="submit" id="keep-typed">No, ${escapeHtml(typed)} is right</button></form>
<p><a href="${escapeHtml(new URL('/', siteOf(form, event, deps)).toString())}">Back to the site</a></p></body></html>`;
  return html(422, page);
}

function errorsWithSuggestionPage(
  form: FormDefinition,
  event: HttpEvent,
  deps: OwnSite,
  suggestion: string,
  others: readonly FieldError[],
): HttpResult {
  const referer = header(event, 'referer');
  const back = referer && /^https?:\/\//.test(referer) ? referer : new URL('/', siteOf(form, event, deps)).toString();
  const items = others.map((e) => `<li><strong>${escapeHtml(e.field)}</strong>: ${escapeHtml(e.message)}</li>`).join('');
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Please check the form</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style></head>
<body><h1>We could not accept this form</h1><p>Some fields are missing or invalid.</p>
<ul><li><strong>email</strong>: did you mean <span id="suggestion">${escapeHtml(suggestion)}</span>?</li>${items}</ul>
<p><a href="${escapeHtml(back)}">Go back to the form</a></p></body></html>`;
  return html(422, page);
}
