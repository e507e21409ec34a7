import { EventName } from '../shared/events';
import { httpHandler, NotFound, type HttpEvent, type HttpResult } from '../shared/http';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { TimelineEvent } from '../shared/timeline';
import { isMachineClick, isMachineOpen } from './domain/machine';
import type { EmailStore, SendRecord } from './ports';
import type { SignerSource } from './signing-keys';

export interface TrackDeps {
  readonly store: Pick<EmailStore, 'noteClick' | 'getSend' | 'append'>;
  readonly signer: SignerSource;
  /** Clicks this soon after the send are marked as machine clicks (`tracking.scannerWindowSeconds`). */
  readonly scannerWindowSeconds: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64').toString('base64');

const NO_STORE = { 'cache-control': 'no-store, private', 'referrer-policy': 'no-referrer' };

/**
 * First-party engagement tracking.
 * - `GET /t/c/{token}`: a tracked link → 302 to the URL the email linked at that index, and `email.clicked`.
 * - `GET /t/o/{token}`: the open pixel → a 1×1 GIF, and `email.opened`.
 * A token that is malformed, tampered with or signed by an unknown key, or that names a send or link that does
 * not exist, answers 404: the redirect target comes from the send record, never from the request.
 */
export async function track(event: HttpEvent, deps: TrackDeps): Promise<HttpResult> {
  const token = event.pathParameters?.token ?? '';
  const signer = await deps.signer();
  const now = deps.clock.now();
  const userAgent = event.headers['user-agent'];

  if (event.routeKey.startsWith('GET /t/c/')) {
    const fields = signer.verify('c', token, 3);
    const index = Number(fields?.[2]);
    if (!fields || !Number.isInteger(index)) throw new NotFound('No such link');
    const [contactId, sendId] = fields as [string, string];
    const noted = await deps.store.noteClick(sendId, now);
    const url = noted?.record.contactId === contactId ? noted.record.links[index] : undefined;
    if (!noted || !url) throw new NotFound('No such link');
    const machine = isMachineClick({
      userAgent,
      at: now,
      sentAt: noted.record.createdAt,
      scannerWindowSeconds: deps.scannerWindowSeconds,
      ...(noted.previousClickAt ? { previousClickAt: noted.previousClickAt } : {}),
    });
    await deps.store.append(
      TimelineEvent.parse({
        eventId: ulid(now.getTime()),
        contactId,
        type: EventName.EmailClicked,
        occurredAt: now.toISOString(),
        data: { ...refOf(noted.record), url, linkIndex: index, machine },
      }),
    );
    return { statusCode: 302, headers: { location: url, ...NO_STORE }, body: '' };
  }

  const fields = signer.verify('o', token, 2);
  if (!fields) throw new NotFound('No such image');
  const [contactId, sendId] = fields as [string, string];
  const record = await deps.store.getSend(sendId);
  if (!record || record.contactId !== contactId) throw new NotFound('No such image');
  const machine = isMachineOpen({ userAgent, sourceIp: event.requestContext?.http?.sourceIp });
  await deps.store.append(
    TimelineEvent.parse({
      eventId: ulid(now.getTime()),
      contactId,
      type: EventName.EmailOpened,
      occurredAt: now.toISOString(),
      data: { ...refOf(record), machine },
    }),
  );
  return { statusCode: 200, headers: { 'content-type': 'image/gif', ...NO_STORE }, body: PIXEL, isBase64Encoded: true };
}

function refOf(record: SendRecord) {
  return {
    messageId: record.messageId ?? record.sendId,
    templateId: record.templateId,
    ...(record.journeyId ? { journeyId: record.journeyId } : {}),
    ...(record.stepId ? { stepId: record.stepId } : {}),
    ...(record.topic ? { topic: record.topic } : {}),
    ...(record.experiment ? { experiment: record.experiment } : {}),
  };
}

export const makeTrack = (deps: TrackDeps) =>
  httpHandler((event) => track(event, deps), { logger: deps.logger });
