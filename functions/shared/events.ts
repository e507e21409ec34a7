import { crmEventNames } from '../crm/events';
import { emailEventNames } from '../email/events';
import { formEventNames } from '../forms/events';
import { journeyEventNames } from '../journeys/events';
import { scoringEventNames } from '../scoring/events';
import { trackingEventNames } from '../tracking/events';

/**
 * Timeline event names, each declared by the capability that owns it (`functions/<capability>/events.ts`) and
 * composed here, so every reader imports one `EventName`; a new capability adds its names here, one line. They are
 * stored forever in contacts' timelines: never rename one, add a new one.
 */
export const EventName = {
  ...formEventNames,
  ...trackingEventNames,
  ...scoringEventNames,
  ...crmEventNames,
  ...emailEventNames,
  ...journeyEventNames,
} as const;

export type EventName = (typeof EventName)[keyof typeof EventName];
