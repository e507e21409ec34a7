/**
 * Timeline event names. They are stored forever in contacts' timelines: never rename one, add a new one.
 */
export const EventName = {
  FormSubmitted: 'form.submitted',
  /** A named event from a site or backend (Segment `track`): `checkout_started`, `order_completed`, … */
  Tracked: 'event.tracked',
  /** A page view (Segment `page`). */
  PageViewed: 'page.viewed',
} as const;

export type EventName = (typeof EventName)[keyof typeof EventName];
