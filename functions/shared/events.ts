/**
 * Timeline event names. They are stored forever in contacts' timelines: never rename one, add a new one.
 */
export const EventName = {
  FormSubmitted: 'form.submitted',
  /** A named event from a site or backend (Segment `track`): `checkout_started`, `order_completed`, … */
  Tracked: 'event.tracked',
  /** A page view (Segment `page`). */
  PageViewed: 'page.viewed',
  /** A Segment `identify`: traits set on the profile (functions/tracking). */
  Identified: 'contact.identified',
  // Scoring and CRM (functions/scoring, functions/crm).
  /** The lead score changed (score history). */
  ScoreChanged: 'score.changed',
  /** The lifecycle stage changed: from, to, reason. The funnel reports count these. */
  StageChanged: 'stage.changed',
  CrmHandedOff: 'crm.handed_off',
  /** A hand-off gave up after its last retry; the request is parked in the dead-letter queue. */
  CrmHandOffFailed: 'crm.handoff_failed',
  /** A hand-off that was not made (no CRM configured), recorded so it is visible. */
  CrmHandOffSkipped: 'crm.handoff_skipped',
  /** Sales answered in the CRM: accepted, rejected, disqualified, opportunity, closed_won, closed_lost. */
  CrmFeedback: 'crm.feedback',
  // Email (functions/email): sending, delivery (SES events), engagement (tracking) and consent.
  EmailSent: 'email.sent',
  EmailSkipped: 'email.skipped',
  EmailFailed: 'email.failed',
  EmailDelivered: 'email.delivered',
  EmailBounced: 'email.bounced',
  EmailComplained: 'email.complained',
  EmailRejected: 'email.rejected',
  EmailDeliveryDelayed: 'email.delivery_delayed',
  EmailOpened: 'email.opened',
  EmailClicked: 'email.clicked',
  EmailUnsubscribed: 'email.unsubscribed',
  EmailSubscribed: 'email.subscribed',
  /** A double opt-in confirmation email went out; the subscription is pending until `consent.confirmed`. */
  ConsentRequested: 'consent.requested',
  ConsentConfirmed: 'consent.confirmed',
  // Journeys (functions/journeys).
  /** Asked to enrol through the webhook API or the date sweep; the reactor applies the entry rules. */
  JourneyEnrollmentRequested: 'journey.enrollment_requested',
  JourneyEntered: 'journey.entered',
  /** Left early: a goal, an unsubscribe, a hard bounce or complaint, or the API. */
  JourneyExited: 'journey.exited',
  JourneyCompleted: 'journey.completed',
  JourneyFailed: 'journey.failed',
  /** A journey step changed the profile (attributes, tags). */
  ContactUpdated: 'contact.updated',
  // Contacts (functions/contacts).
  /**
   * The contacts API wrote the profile (`PUT /contacts`, an enrolment that created the contact, later an import):
   * what it created or changed, and the consent it stated. An upsert that changes nothing appends nothing.
   */
  ContactUpserted: 'contact.upserted',
} as const;

export type EventName = (typeof EventName)[keyof typeof EventName];
