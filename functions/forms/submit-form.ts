import { ContactContended, type Contacts } from '../contacts/contacts';
import { readFields, bodyKind } from '../shared/body';
import {
  annotate,
  HttpError,
  NotFound,
  ServiceBusy,
  ValidationFailed,
  header,
  httpHandler,
  json,
  wantsHtml,
  type HttpEvent,
  type HttpResult,
} from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { FormDefinition } from './domain/form-definition';
import { checkSubmission } from './domain/submission';

/** Form posts are small; anything larger is a mistake or abuse. */
export const MAX_FORM_BYTES = 64 * 1024;

export interface SubmitFormDeps {
  readonly forms: ReadonlyMap<string, FormDefinition>;
  readonly contacts: Contacts;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class OriginNotAllowed extends HttpError {
  override name = 'OriginNotAllowed';
  constructor(origin: string) {
    super(403, 'origin_not_allowed', `Pages on ${origin} may not post this form`);
  }
}

/** POST /forms/{formId} (and its CORS preflight): validate, then record contact + event in one transaction. */
export const makeSubmitForm =
  (deps: SubmitFormDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const form = formOf(deps.forms, event);
    annotate(event, { formId: form.id });
    const origin = header(event, 'origin');
    if (origin && !originAllowed(form, origin, event)) throw new OriginNotAllowed(origin);
    if (event.requestContext.http.method === 'OPTIONS') return { statusCode: 204, headers: preflightHeaders(event) };

    const { kind, fields } = await readFields(event, MAX_FORM_BYTES);
    const check = checkSubmission(form, fields, event.queryStringParameters ?? {});
    switch (check.type) {
      case 'Invalid':
        throw new ValidationFailed(check.errors);
      case 'Spam':
        annotate(event, { outcome: 'honeypot filled; dropped' });
        return kind !== 'json' && wantsHtml(event) ? redirectTo(form, event) : json(200, { status: 'accepted' });
      case 'Valid':
        break;
    }

    const referrer = header(event, 'referer');
    const recorded = await deps.contacts
      .recordSubmission(
        check.submission.email,
        {
          formId: form.id,
          fields: check.submission.fields,
          utm: check.submission.utm,
          ...(referrer ? { referrer: referrer.slice(0, 2_000) } : {}),
          ...(event.requestContext.http.userAgent ? { userAgent: event.requestContext.http.userAgent.slice(0, 500) } : {}),
          ...(event.requestContext.http.sourceIp ? { ip: event.requestContext.http.sourceIp } : {}),
        },
        deps.clock.now(),
      )
      .catch((error: unknown) => {
        if (error instanceof ContactContended) throw new ServiceBusy();
        throw error;
      });
    annotate(event, { contactId: recorded.contactId, created: recorded.created });

    if (kind !== 'json' && wantsHtml(event)) return redirectTo(form, event);
    return json(recorded.created ? 201 : 200, { contactId: recorded.contactId, eventId: recorded.eventId });
  };

/** The submit-form handler with the shared middleware stack, CORS on every answer, HTML errors for browsers. */
export function makeSubmitFormHandler(deps: SubmitFormDeps) {
  return httpHandler(makeSubmitForm(deps), {
    logger: deps.logger,
    htmlErrors: isBrowserFormPost,
    responseHeaders: (event) => corsHeaders(deps.forms, event),
  });
}

function formOf(forms: ReadonlyMap<string, FormDefinition>, event: HttpEvent): FormDefinition {
  const formId = event.pathParameters?.formId ?? '';
  const form = forms.get(formId);
  if (!form) throw new NotFound(`There is no form "${formId.slice(0, 100)}"`);
  return form;
}

/** Same-origin posts are always allowed; cross-origin ones only from the form's declared origins. */
function originAllowed(form: FormDefinition, origin: string, event: HttpEvent): boolean {
  if (form.allowedOrigins.includes('*') || form.allowedOrigins.includes(origin)) return true;
  return origin !== 'null' && origin === ownOrigin(event);
}

function corsHeaders(forms: ReadonlyMap<string, FormDefinition>, event: HttpEvent): Record<string, string> {
  const origin = header(event, 'origin');
  const form = forms.get(event.pathParameters?.formId ?? '');
  if (!origin || !form || !originAllowed(form, origin, event)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

function preflightHeaders(event: HttpEvent): Record<string, string> {
  return {
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': header(event, 'access-control-request-headers') ?? 'content-type',
    'access-control-max-age': '86400',
  };
}

function isBrowserFormPost(event: HttpEvent): boolean {
  const kind = bodyKind(header(event, 'content-type'));
  return (kind === 'urlencoded' || kind === 'multipart') && wantsHtml(event);
}

/** 303 sends the browser to the thank-you page with a GET, so a reload does not post the form again. */
function redirectTo(form: FormDefinition, event: HttpEvent): HttpResult {
  return { statusCode: 303, headers: { location: resolveRedirect(form.redirectUrl, event) }, body: '' };
}

function resolveRedirect(target: string, event: HttpEvent): string {
  if (!target.startsWith('/')) return target;
  const base = webOrigin(header(event, 'referer')) ?? webOrigin(header(event, 'origin')) ?? ownOrigin(event);
  return new URL(target, base).toString();
}

function webOrigin(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function ownOrigin(event: HttpEvent): string {
  const proto = header(event, 'x-forwarded-proto') ?? 'https';
  return `${proto}://${header(event, 'host') ?? event.requestContext.domainName}`;
}
