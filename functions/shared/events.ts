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
} as const;

export type EventName = (typeof EventName)[keyof typeof EventName];
