import * as z from 'zod';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { HandOffTaskOutput } from '../shared/tasks';
import { DISQUALIFIED, RECYCLED, type Lifecycle } from '../scoring/domain/lifecycle';
import type { ScoringRules } from '../scoring/domain/scoring-rules';
import { leadOf } from './domain/lead';
import { withRetries, type RetryPolicy } from './outbound';
import type { CrmAdapter, CrmStore } from './ports';

/** One hand-off, from the reactor's queue or a journey's hand-off step. */
export const HandOffRequest = z.object({
  contactId: z.string().min(1),
  /** One CRM write (and one note) per key: retries and redeliveries with the same key are no-ops. */
  idempotencyKey: z.string().min(1).max(300),
  reason: z.string().max(500).optional(),
  /** `reactor`, or `journey:<journeyId>/<stepId>`. */
  source: z.string().min(1).max(200),
});
export type HandOffRequest = z.infer<typeof HandOffRequest>;

/**
 * A hand-off within this long of the contact's last one to the same CRM updates the record (so it carries the
 * latest score and stage) but leaves the rep no second note or task. A $5,000+ demo request is handed off twice
 * within seconds: by the budget-router journey's hand-off step (which runs before the form post is scored, score
 * 20) and by the reactor when the scored post makes it an MQL (score 30). Each has its own idempotency key, and
 * neither can wait for the other; keying both per stage entry would not help either, as the step runs before the
 * stage changes. So the later write wins the record's properties and the rep gets one note for one lead.
 */
export const HAND_OFF_COALESCE_MS = 10 * 60_000;

export interface HandOffDeps {
  readonly store: CrmStore;
  readonly crm: CrmAdapter;
  readonly rules: ScoringRules;
  readonly lifecycle: Lifecycle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
}

/**
 * Hands one contact to the CRM: upsert its one record (creating it the first time, updating it after), leave the
 * rep the score explanation, then record the CRM id on the contact and `crm.handed_off` on its timeline together
 * with the idempotency record. Transient CRM failures are retried briefly here, then thrown as `CrmUnavailable`
 * for the caller's retry (Step Functions, the queue); refusals are thrown as `CrmRejected`.
 *
 * A crash between the CRM call and the record repeats the call on retry: the upsert is idempotent by itself, the
 * note may be left twice.
 */
export async function handOff(request: HandOffRequest, deps: HandOffDeps): Promise<HandOffTaskOutput> {
  const prior = await deps.store.priorHandOff(request.idempotencyKey);
  if (prior) return { outcome: 'handed_off', crmId: prior.crmId, provider: prior.provider };

  const contact = await deps.store.contact(request.contactId);
  if (!contact) return { outcome: 'skipped', reason: 'no such contact' };
  if (contact.stage === DISQUALIFIED) return { outcome: 'skipped', reason: 'disqualified' };
  // Sales sent this lead back: it goes to them again only by re-entering the hand-off stage (the reactor's
  // hand-off then reads the new stage), never from a journey step it passes through meanwhile.
  if (contact.stage === RECYCLED) return { outcome: 'skipped', reason: 'recycled' };

  const now = deps.clock.now();
  const lead = leadOf(contact, { rules: deps.rules, lifecycle: deps.lifecycle, provider: deps.crm.provider }, request.reason ?? '', now);
  const { crmId } = await withRetries(() => deps.crm.upsert(lead, request.idempotencyKey), deps.retry);
  const last = contact.crm?.provider === deps.crm.provider ? Date.parse(contact.crm.handedOffAt) : Number.NaN;
  const coalesced = now.getTime() - last < HAND_OFF_COALESCE_MS;
  if (deps.crm.followUp && !coalesced) await withRetries(() => deps.crm.followUp!(crmId, lead, request.idempotencyKey), deps.retry);
  await deps.store.recordHandOff({
    contactId: contact.contactId,
    idempotencyKey: request.idempotencyKey,
    provider: deps.crm.provider,
    crmId,
    ...(request.reason ? { reason: request.reason } : {}),
    source: request.source,
    at: now,
  });
  deps.logger.info('handed off', { contactId: contact.contactId, provider: deps.crm.provider, crmId, source: request.source, coalesced });
  return { outcome: 'handed_off', crmId, provider: deps.crm.provider };
}
