import { contactEventGroup } from '../contacts/events';
import { crmEventGroup } from '../crm/events';
import { emailEventGroup } from '../email/events';
import { formEventGroup } from '../forms/events';
import { journeyEventGroup } from '../journeys/events';
import { scoringEventGroup } from '../scoring/events';
import { segmentEventGroup } from '../segments/events';
import { smsEventGroup } from '../sms/events';
import { trackingEventGroup } from '../tracking/events';

/**
 * Every capability's timeline events, each group declared in `functions/<capability>/events.ts`: the one list
 * `EventName` (shared/events.ts) and the timeline union (shared/timeline.ts) are composed from. A new capability's
 * events join with one line here.
 */
export const eventGroups = [formEventGroup, trackingEventGroup, emailEventGroup, scoringEventGroup, crmEventGroup, journeyEventGroup, contactEventGroup, segmentEventGroup, smsEventGroup] as const;
