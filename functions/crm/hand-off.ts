import * as z from 'zod';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { HandOffTaskOutput } from '../shared/tasks';
import { DISQUALIFIED, type Lifecycle } from '../scoring/domain/lifecycle';
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

  const now = deps.clock.now();
  const lead = leadOf(contact, { rules: deps.rules, lifecycle: deps.lifecycle, provider: deps.crm.provider }, request.reason ?? '', now);
  const { crmId } = await withRetries(() => deps.crm.upsert(lead, request.idempotencyKey), deps.retry);
  if (deps.crm.followUp) await withRetries(() => deps.crm.followUp!(crmId, lead, request.idempotencyKey), deps.retry);
  await deps.store.recordHandOff({
    contactId: contact.contactId,
    idempotencyKey: request.idempotencyKey,
    provider: deps.crm.provider,
    crmId,
    ...(request.reason ? { reason: request.reason } : {}),
    source: request.source,
    at: now,
  });
  deps.logger.info('handed off', { contactId: contact.contactId, provider: deps.crm.provider, crmId, source: request.source });
  return { outcome: 'handed_off', crmId, provider: deps.crm.provider };
}
