import * as z from 'zod';
import { requireAccess } from '../access/authorizer-context';
import { ContactContended } from '../contacts/contacts';
import { BadRequest, header, HttpError, httpHandler, json, NotFound, ServiceBusy, ValidationFailed, type HttpEvent, type HttpResult } from '../shared/http';
import { ulid } from '../shared/ids';
import { fieldErrors } from '../shared/validation';
import { UnknownTemplate } from './domain/render';
import { EmailSendFailed, SesThrottled } from './ports';
import { sendEmail, type SendDeps } from './send-email';
import { cleanDeep } from '../shared/field-values';
import { sendIdOf } from './tokens';

export const SendEmailRequest = z
  .strictObject({
    templateId: z.string().min(1).max(64),
    contactId: z.string().min(1).max(64).optional(),
    email: z.email().max(320).optional(),
    /** Extra Liquid variables (`data.*`). */
    data: z.record(z.string(), z.unknown()).transform((data) => cleanDeep(data) as Record<string, unknown>).default({}),
  })
  .refine((request) => Boolean(request.contactId) !== Boolean(request.email), {
    message: 'give exactly one of contactId and email',
    path: ['contactId'],
  });
export type SendEmailRequest = z.infer<typeof SendEmailRequest>;

export interface SendEmailApiDeps extends SendDeps {
  readonly findIdByEmail: (email: string) => Promise<string | undefined>;
}

/** SES is throttling: the caller retries later with the same Idempotency-Key. */
class SendingBusy extends HttpError {
  override name = 'SendingBusy';
  constructor() {
    super(503, 'busy', 'Email sending is throttled; retry later with the same Idempotency-Key', {}, { 'retry-after': '5' });
  }
}

/**
 * `POST /emails/send` (admin): one email by template id to a contact (id or email), through the same guards and
 * idempotency as the journey step. With an `Idempotency-Key` header, repeating the request sends nothing more
 * and answers the first outcome; without one, every request is a new send.
 *
 * 200 `{ outcome: 'sent', messageId, duplicate? }` | `{ outcome: 'skipped', reason }` | `{ outcome: 'deferred', until }`.
 */
export async function sendEmailApi(event: HttpEvent, deps: SendEmailApiDeps): Promise<HttpResult> {
  let body: unknown;
  try {
    body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? ''));
  } catch {
    throw new BadRequest('The body is not JSON', 'malformed_json');
  }
  const parsed = SendEmailRequest.safeParse(body);
  if (!parsed.success) throw new ValidationFailed(fieldErrors(parsed.error));
  const request = parsed.data;
  if (!deps.renderer.has(request.templateId)) {
    throw new ValidationFailed([{ field: 'templateId', message: `no template "${request.templateId}"` }]);
  }
  const contactId = request.contactId ?? (await deps.findIdByEmail(request.email!));
  if (!contactId) throw new NotFound('No contact with this email');
  const key = header(event, 'idempotency-key');
  if (key !== undefined && (key.length < 1 || key.length > 200)) throw new BadRequest('Idempotency-Key is 1 to 200 characters');
  const sendId = key ? sendIdOf('api', key) : sendIdOf('api-once', ulid());
  try {
    const outcome = await sendEmail({ contactId, templateId: request.templateId, sendId, data: request.data }, deps);
    return json(200, outcome);
  } catch (error) {
    if (error instanceof SesThrottled) throw new SendingBusy();
    if (error instanceof ContactContended) throw new ServiceBusy();
    if (error instanceof EmailSendFailed) throw new HttpError(502, 'send_failed', 'SES refused the email; it was recorded on the timeline');
    if (error instanceof UnknownTemplate) throw new ValidationFailed([{ field: 'templateId', message: error.message }]);
    throw error;
  }
}

export const makeSendEmailApi = (deps: SendEmailApiDeps) =>
  httpHandler((event) => sendEmailApi(event, deps), { logger: deps.logger, middlewares: [requireAccess()] });
