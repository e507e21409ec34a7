/**
 * Value types shared by every capability that reads or writes contacts: forms produce them, contacts store them,
 * scoring and journeys read them. They live here so no capability imports another's domain for a type.
 */

/** Campaign parameters, as landing pages pass them in hidden fields or the query string. */
export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];
export type Utm = Partial<Record<UtmKey, string>>;

/** One stored answer: text, a number or a checkbox. */
export type FieldValue = string | number | boolean;

/**
 * Why a contact left a journey early (`journey.exited`): journeys write it, reports count each as a column. Stored
 * forever: add a reason at the end, never rename one.
 */
export const JOURNEY_EXIT_REASONS = ['goal', 'unsubscribed', 'bounced', 'complained', 'api', 'recycled', 'unconfirmed', 'drained'] as const;
