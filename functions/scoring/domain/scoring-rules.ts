import * as z from 'zod';
import { EventMatcher } from '../../shared/event-matcher';

/**
 * The scoring file (`content/scoring.yaml`): fit rules on profile attributes, behaviour rules on timeline events
 * with caps, once-per-N-days limits and decay. Validated as it loads; `npm run schemas` writes its JSON Schema for
 * editors. Rule ids are stored in score explanations: add rules, never rename an id.
 */

const RuleId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

/** A test on one profile attribute. A number test on a text answer parses it as a number first. */
const AttributeCondition = z
  .strictObject({
    attribute: z.string().min(1),
    /** Case-insensitive: the answer contains any of these words or phrases. */
    containsAny: z.array(z.string().min(1)).min(1).optional(),
    gte: z.number().optional(),
    lte: z.number().optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    oneOf: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  })
  .refine((c) => c.containsAny || c.gte !== undefined || c.lte !== undefined || c.equals !== undefined || c.oneOf, {
    message: 'needs a test: containsAny, gte, lte, equals or oneOf',
  });

/** The email address's domain is in a named list of `domainLists`, or in the list given. */
const EmailDomainCondition = z.strictObject({
  emailDomainIn: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
});

export const FitCondition = z.union([AttributeCondition, EmailDomainCondition]);
export type FitCondition = z.infer<typeof FitCondition>;

export const FitRule = z.strictObject({
  id: RuleId,
  label: z.string().min(1).max(200),
  points: z.number().int(),
  when: FitCondition,
});
export type FitRule = z.infer<typeof FitRule>;

export const BehaviourRule = z.strictObject({
  id: RuleId,
  label: z.string().min(1).max(200),
  points: z.number().int().refine((p) => p !== 0, 'must not be 0'),
  on: EventMatcher,
  /** The most points (in absolute value, after decay) this rule may hold at any time. */
  cap: z.number().positive().optional(),
  /** Counts at most once in any window of this many days. */
  oncePerDays: z.number().positive().optional(),
});
export type BehaviourRule = z.infer<typeof BehaviourRule>;

export const ScoringRules = z
  .strictObject({
    version: z.union([z.number().int().positive(), z.string().min(1)]),
    decay: z.strictObject({
      /** Behaviour points halve every this many days. */
      halfLifeDays: z.number().positive(),
    }),
    domainLists: z.record(z.string(), z.array(z.string().min(1))).default({}),
    fit: z.array(FitRule),
    behaviour: z.array(BehaviourRule),
  })
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    for (const rule of [...rules.fit, ...rules.behaviour]) {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', message: `duplicate rule id "${rule.id}"`, path: ['fit'] });
      seen.add(rule.id);
    }
    rules.fit.forEach((rule, i) => {
      const list = 'emailDomainIn' in rule.when ? rule.when.emailDomainIn : undefined;
      if (typeof list === 'string' && !rules.domainLists[list]) {
        ctx.addIssue({ code: 'custom', message: `unknown domain list "${list}"`, path: ['fit', i, 'when', 'emailDomainIn'] });
      }
    });
  });
export type ScoringRules = z.infer<typeof ScoringRules>;
