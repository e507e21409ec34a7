import type { Contact } from '../shared/contact';
import type { FieldValue } from '../shared/values';
import { stageLabel, type Lifecycle } from '../shared/lifecycle';
import { explain, explanationText, initialScore, type Explanation } from '../scoring/domain/score';
import type { ScoringRules } from '../scoring/domain/scoring-rules';

/** What every CRM adapter gets to create or update one record: the contact, its stage, score and why. */
export interface Lead {
  readonly contactId: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly company?: string;
  readonly jobTitle?: string;
  readonly phone?: string;
  readonly stage: string;
  readonly stageLabel: string;
  /** HubSpot's `lifecyclestage` value for the stage (content/lifecycle.yaml). */
  readonly hubspotLifecycleStage?: string;
  readonly score: { readonly total: number; readonly fit: number; readonly behaviour: number; readonly version: number | string };
  readonly explanation: Explanation;
  /** The explanation as text, for a note or a description field. */
  readonly summary: string;
  /** Why sales gets this lead now (e.g. "score 35 ≥ 30 and fit 20 ≥ 15"). */
  readonly reason: string;
  readonly attributes: Readonly<Record<string, FieldValue>>;
  /** The CRM id stored on the contact by an earlier hand-off to the same provider. */
  readonly crmId?: string;
}

const text = (value: FieldValue | undefined) => (value === undefined || value === '' ? undefined : String(value));

/** The lead a contact is handed off as, at `now`. Pure. */
export function leadOf(
  contact: Contact,
  context: { readonly rules: ScoringRules; readonly lifecycle: Lifecycle; readonly provider: string },
  reason: string,
  now: Date,
): Lead {
  const stage = contact.stage ?? context.lifecycle.initial;
  const score = contact.score ?? initialScore(context.rules, contact, now.toISOString());
  const explanation = explain(context.rules, score, now);
  const a = contact.attributes;
  const hubspot = [...context.lifecycle.stages, ...context.lifecycle.sideStages].find((s) => s.id === stage)?.hubspot;
  const fields = {
    firstName: text(a.first_name ?? a.firstname),
    lastName: text(a.last_name ?? a.lastname),
    company: text(a.company),
    jobTitle: text(a.job_title ?? a.jobtitle ?? a.title),
    phone: text(a.phone),
    hubspotLifecycleStage: hubspot,
    crmId: contact.crm?.provider === context.provider ? contact.crm.id : undefined,
  };
  return {
    contactId: contact.contactId,
    email: contact.email,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    stage,
    stageLabel: stageLabel(context.lifecycle, stage),
    score: { total: explanation.total, fit: explanation.fit, behaviour: explanation.behaviour, version: score.version },
    explanation,
    summary: `${reason ? `Handed off: ${reason}\n` : ''}${explanationText(explanation)}`,
    reason,
    attributes: a,
  };
}
