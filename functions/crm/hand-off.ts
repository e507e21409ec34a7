import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { HandOffTaskOutput } from '../shared/tasks';
import { DISQUALIFIED, RECYCLED, type Lifecycle } from '../shared/lifecycle';
import type { ScoringRules } from '../scoring/domain/scoring-rules';
import { leadOf } from './lead';
import { CrmHandOffInProgress, describeFailure } from './errors';
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
  /**
   * The event that caused this hand-off (a journey's trigger): the lead is read once the reactor has applied it,
   * so the CRM gets the score and stage after that event, not before it.
   */
  afterEventId: z.string().min(1).optional(),
});
export type HandOffRequest = z.infer<typeof HandOffRequest>;

/**
 * A hand-off within this long of the contact's last one to the same CRM updates the record (so it carries the
 * latest score and stage) but leaves the rep no second note or task. A $5,000+ demo request is handed off twice
 * within seconds: by the budget-router journey's hand-off step (which runs before the form post is scored, score
 * 20) and by the reactor when the scored post makes it an MQL (score 30). Each has its own idempotency key, and
 * keying both per stage entry would not help, as the step runs before the stage changes. So they run one after the
 * other (the contact's hand-off lease), the later one reads what the first recorded and updates the record with the
 * contact as it is then, and the rep gets one note for one lead.
 */
export const HAND_OFF_COALESCE_MS = 10 * 60_000;

/**
 * How long a hand-off holds the contact's hand-off lease at most. Twice the hand-off Lambdas' 30 s timeout, which
 * cuts off the CRM calls with their in-handler retries (8 s per request, 3 tries, waits of up to 5 s) however long
 * they would take: in AWS a live holder has always finished, or been stopped, before its lease runs out. A crashed
 * one blocks the contact's hand-offs for a minute at most: the queue's redeliveries (30 s, then 60 s…) outlast
 * that, and so, all but always, do the journey step's (5 s of waiting in each try, Step Functions' backoff between).
 * Locally nothing stops a slow handler; one that overruns its lease still records its hand-off (see the store).
 */
export const HAND_OFF_LEASE_MS = 60_000;

/** Waiting in the handler for another hand-off of the same contact to finish, before throwing for the caller's retry. */
export interface LeaseWait {
  /** Tries to take the lease after the first: one per `pollMs`. @default 0 (throw at once) */
  readonly polls: number;
  /** @default 250 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** The lease runs on real time, not `deps.clock`: locally that is a virtual clock the seed moves by days. */
const wallClock: Clock = { now: () => new Date() };

export interface HandOffDeps {
  readonly store: CrmStore;
  readonly crm: CrmAdapter;
  readonly rules: ScoringRules;
  readonly lifecycle: Lifecycle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  /** @default no wait: a held lease throws {@link CrmHandOffInProgress} at once */
  readonly leaseWait?: LeaseWait;
  /** Waiting for `afterEventId` to be applied. @default {@link SETTLE_WAIT} */
  readonly settleWait?: LeaseWait;
}

/**
 * How long a hand-off waits for the reactor to apply the event that caused it (normally well under a second). Past
 * that it hands off the contact as it is: a late score is then corrected by the reactor's own hand-off on MQL.
 */
export const SETTLE_WAIT: LeaseWait = { polls: 40, pollMs: 250 };

/**
 * Hands one contact to the CRM: upsert its one record (creating it the first time, updating it after), leave the
 * rep the score explanation, then record the CRM id on the contact and `crm.handed_off` on its timeline together
 * with the idempotency record. Transient CRM failures are retried briefly here, then thrown as `CrmUnavailable`
 * for the caller's retry (Step Functions, the queue); refusals are thrown as `CrmRejected`.
 *
 * Hand-offs of one contact run one at a time: each takes the contact's hand-off lease ({@link HAND_OFF_LEASE_MS})
 * with a conditional write before it reads the contact, and gives it back in the transaction that records its
 * outcome (or when it skips or fails). One that finds the lease held calls no CRM and throws
 * {@link CrmHandOffInProgress} (after `leaseWait`, if given) for its caller's retry; run again, it reads the contact
 * as the first hand-off left it, so it falls within {@link HAND_OFF_COALESCE_MS}: the record gets the latest score
 * and stage, the rep no second note.
 *
 * A crash between the CRM call and the record repeats the call on retry: the upsert is idempotent by itself, the
 * note may be left twice.
 */
export async function handOff(request: HandOffRequest, deps: HandOffDeps): Promise<HandOffTaskOutput> {
  const prior = await deps.store.priorHandOff(request.idempotencyKey);
  if (prior) return { outcome: 'handed_off', crmId: prior.crmId, provider: prior.provider };

  if (request.afterEventId) await waitForEvent(request.contactId, request.afterEventId, deps);
  const owner = await takeLease(request, deps);
  let released = false;
  try {
    const output = await handOffHolding(request, owner, deps);
    released = output.outcome === 'handed_off';
    return output;
  } finally {
    if (!released) {
      // Not recorded (skipped, or failed): free the contact for the next hand-off now, not when the lease runs out.
      await deps.store.releaseHandOffLease(request.contactId, owner).catch((error: unknown) =>
        deps.logger.warn('could not release the hand-off lease; it runs out by itself', { contactId: request.contactId, error: describeFailure(error) }),
      );
    }
  }
}

/** Waits (bounded) until the reactor has applied the event, so the lead read next carries its score and stage. */
async function waitForEvent(contactId: string, eventId: string, deps: HandOffDeps): Promise<void> {
  const wait = deps.settleWait ?? SETTLE_WAIT;
  for (let poll = 0; poll <= wait.polls; poll++) {
    if (await deps.store.eventSettled(contactId, eventId)) return;
    if (poll < wait.polls) await (wait.sleep ?? sleep)(wait.pollMs ?? 250);
  }
  deps.logger.warn('handing off before the event that caused it was applied', { contactId, eventId });
}

/** Takes the contact's hand-off lease, waiting `leaseWait` for a holder to finish; the owner token it took it as. */
async function takeLease(request: HandOffRequest, deps: HandOffDeps): Promise<string> {
  const owner = randomUUID();
  const wait = deps.leaseWait;
  for (let poll = 0; ; poll++) {
    const now = wallClock.now();
    const until = new Date(now.getTime() + HAND_OFF_LEASE_MS);
    if (await deps.store.takeHandOffLease({ contactId: request.contactId, owner, source: request.source, now, until })) return owner;
    if (poll >= (wait?.polls ?? 0)) {
      deps.logger.info('another hand-off of this contact is in progress', { contactId: request.contactId, source: request.source });
      throw new CrmHandOffInProgress(`another hand-off of contact ${request.contactId} is in progress`);
    }
    await (wait?.sleep ?? sleep)(wait?.pollMs ?? 250);
  }
}

/** The hand-off proper, while holding the lease as `owner`; recording it releases the lease. */
async function handOffHolding(request: HandOffRequest, owner: string, deps: HandOffDeps): Promise<HandOffTaskOutput> {
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
    leaseOwner: owner,
  });
  deps.logger.info('handed off', { contactId: contact.contactId, provider: deps.crm.provider, crmId, source: request.source, coalesced });
  return { outcome: 'handed_off', crmId, provider: deps.crm.provider };
}
