/**
 * Timeline event names. They are stored forever in contacts' timelines: never rename one, add a new one.
 */
export const EventName = {
  FormSubmitted: 'form.submitted',
} as const;

export type EventName = (typeof EventName)[keyof typeof EventName];
