import { contactsCapability } from './contacts/capability';
import { crmCapability } from './crm/capability';
import { emailCapability } from './email/capability';
import { experimentsCapability } from './experiments/capability';
import { formsCapability } from './forms/capability';
import { journeysCapability } from './journeys/capability';
import { compose, type Intersection, type MadeBy, type OwnedBy, type PortsOf, type StateOf, type WritesOf } from './reactor/capability';
import { decideWith, replayWith } from './reactor/domain/decide';
import type { ReactorState as StateWith, Rule as RuleWith } from './reactor/domain/decisions';
import { reportsCapability } from './reports/capability';
import { scoringCapability } from './scoring/capability';
import { segmentsCapability } from './segments/capability';
import { smsCapability } from './sms/capability';
import type { Contact } from './shared/contact';
import type { TimelineEvent } from './shared/timeline';
import { trackingCapability } from './tracking/capability';

/**
 * Every capability the reactor composes, one line each (docs/adding-a-capability.md). Order is the order their
 * rules run in, and so the order of their decisions: calls are made in it, writes join the transaction in it.
 */
export const capabilities = [
  reportsCapability,
  scoringCapability,
  journeysCapability,
  emailCapability,
  crmCapability,
  contactsCapability,
  formsCapability,
  trackingCapability,
  segmentsCapability,
  experimentsCapability,
  smsCapability,
] as const;

type Registered = (typeof capabilities)[number];

/** Every decision a registered capability owns: the composed union, each type owned by exactly one capability. */
export type Decision = OwnedBy<Registered>;
export type DecisionType = Decision['type'];
export type DecisionOf<T extends DecisionType> = Extract<Decision, { type: T }>;
/** The decisions that join the processed marker's transaction; every other one is a call, made first. */
export type WriteDecision = WritesOf<Registered>;
export type CallDecision = Exclude<Decision, WriteDecision>;
/** Every capability's per-contact state, as the reactor loads it. */
export type CapabilityState = Intersection<StateOf<Registered>>;
/** The ports the capabilities' calls go through, which the reactor's dependencies carry. */
export type CapabilityPorts = Intersection<PortsOf<Registered>>;
export type ReactorState = StateWith<CapabilityState>;
export type Rule = RuleWith<CapabilityState, Decision>;

// Type-checked exhaustiveness: every decision a registered rule can make is owned by a registered capability.
type Unowned = Exclude<MadeBy<Registered>, Decision>;
const _everyDecisionOwned: [Unowned] extends [never] ? true : { unowned: Unowned } = true;

/** The registered capabilities composed: who applies each decision (refused at load if two claim one). */
export const registered = compose(capabilities);

/** The rules the reactor applies to every new event, each owned by its capability. */
export const defaultRules: readonly Rule[] = capabilities.flatMap((capability): readonly Rule[] => capability.rules);

/** The rules that write counters: the reports rebuild replays only these. */
export const countingRules: readonly Rule[] = capabilities.flatMap((capability): readonly Rule[] => ('countingRules' in capability ? capability.countingRules : []) ?? []);

/** Whether a decision joins the marker's transaction (a write) or is made first (a call). */
export function isWrite(decision: Decision): decision is WriteDecision {
  return registered.isWrite(decision);
}

/** Every decision the registered rules (or `rules`) make for one event. Pure: the same state always gives the same decisions. */
export function decide(state: ReactorState, rules: readonly Rule[] = defaultRules): Decision[] {
  return decideWith(state, rules);
}

/** Runs the registered rules (or `rules`) over a whole timeline, oldest first: what rescoring and report rebuilds start from. */
export function replay(contact: Contact, events: readonly TimelineEvent[], rules: readonly Rule[] = defaultRules): Decision[] {
  return replayWith(contact, events, rules);
}
