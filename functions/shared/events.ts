import { eventGroups } from './event-groups';

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * Timeline event names, each declared by the capability that owns it (`functions/<capability>/events.ts`) and
 * composed here from `eventGroups`, so every reader imports one `EventName`. They are stored forever in contacts'
 * timelines: never rename one, add a new one.
 */
export const EventName: UnionToIntersection<(typeof eventGroups)[number]['names']> = Object.assign({}, ...eventGroups.map((group) => group.names));

export type EventName = (typeof EventName)[keyof typeof EventName];
