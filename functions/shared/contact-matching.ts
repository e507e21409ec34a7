import type { Contact } from './contact';
import { EventName } from './events';
import type { TimelineEvent } from './timeline';
import { all, pathValue, type Condition, type Resolve, type StageRank } from './conditions';

/**
 * How journeys and segments read contacts and events: the subjects conditions name, and what "the event `x`" means. A name
 * with a dot is a timeline event type (`email.clicked`, `stage.changed`); a name without one is a tracked
 * event's name (`checkout_started`, `demo_booked`).
 */

/**
 * A contact's value for a condition subject. `segments` is the ids of the segments the contact is a member of
 * (`segments contains hot-leads`), when the caller loaded them.
 */
export function contactSubject(contact: Contact, segments: readonly string[] = []): Resolve {
  return (subject) => {
    switch (subject) {
      case 'segments':
        return segments;
      case 'email':
        return contact.email;
      case 'stage':
        return contact.stage;
      case 'tags':
        return contact.tags ?? [];
      case 'score':
        return contact.score?.total;
      case 'score.fit':
        return contact.score?.fit;
      case 'score.behaviour':
      case 'score.behavior':
        return contact.score?.behaviour;
      default:
        return subject.startsWith('attributes.') ? pathValue(contact.attributes, subject.slice(11)) : contact.attributes[subject];
    }
  };
}

/** An event's value for a condition subject: tracked events' properties first, then the event's data. */
export function eventSubject(event: TimelineEvent): Resolve {
  return (subject) => {
    if (event.type === EventName.Tracked) {
      const fromProperties = pathValue(event.data.properties, subject);
      if (fromProperties !== undefined) return fromProperties;
    }
    if (event.type === EventName.FormSubmitted) {
      const field = event.data.fields[subject];
      if (field !== undefined) return field;
    }
    return pathValue(event.data, subject);
  };
}

/** Whether `event` is the event a journey names, and its conditions hold. Machine clicks and opens never count. */
export function eventMatches(event: TimelineEvent, name: string, where: readonly Condition[], stageRank?: StageRank): boolean {
  const named = name.includes('.') ? event.type === name : event.type === EventName.Tracked && event.data.event === name;
  if (!named) return false;
  if ((event.type === EventName.EmailClicked || event.type === EventName.EmailOpened) && event.data.machine) return false;
  // No conditions, nothing to resolve: most behaviours name an event alone, and this runs per event and behaviour.
  return where.length === 0 || all(where, eventSubject(event), stageRank);
}
