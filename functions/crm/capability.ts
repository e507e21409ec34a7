import type { Capability } from '../reactor/capability';
import type { HandOff } from '../shared/decisions';
import { crmEvents } from './events';
import type { HandOffQueue } from './ports';

/** The port the CRM's call goes through: the hand-off queue; absent where the function lacks its binding. */
export interface CrmPorts {
  readonly handOffs?: HandOffQueue;
}

/** A HandOff decision reached a reactor built without the hand-off queue (its binding is missing). */
export class NoHandOffQueue extends Error {
  override name = 'NoHandOffQueue';
}

/**
 * The CRM in the reactor: it makes no decision of its own; it applies the hand-offs scoring decides by queueing
 * them (the CRM may be slow or down; the stream must not wait), made idempotent by the worker's dedupe on the key.
 */
export const crmCapability: Capability<object, never, never, HandOff, CrmPorts> = {
  name: 'crm',
  events: crmEvents,
  rules: [],
  writes: {},
  calls: {
    HandOff: (decision, ports) => {
      if (!ports.handOffs) throw new NoHandOffQueue('a HandOff decision needs the handOffs port');
      return ports.handOffs.enqueue(decision);
    },
  },
};
