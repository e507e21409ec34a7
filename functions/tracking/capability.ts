import type { Capability } from '../reactor/capability';
import { trackingEvents } from './events';

/** The tracking API in the reactor: it appends tracked events, page views and identifies; others react to them. */
export const trackingCapability: Capability<object, never> = {
  name: 'tracking',
  events: trackingEvents,
  rules: [],
  writes: {},
  calls: {},
};
