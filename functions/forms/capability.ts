import type { Capability } from '../reactor/capability';
import { formEvents } from './events';

/** Forms in the reactor: they append `form.submitted`; other capabilities' rules react to it. */
export const formsCapability: Capability<object, never> = {
  name: 'forms',
  events: formEvents,
  rules: [],
  writes: {},
  calls: {},
};
