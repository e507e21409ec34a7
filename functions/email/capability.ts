import type { Capability } from '../reactor/capability';
import { forms } from '../forms/forms';
import { doubleOptInRule } from './domain/double-opt-in';
import type { SendEmail } from './domain/decisions';
import { emailSettings } from './email-settings';
import { emailEvents } from './events';
import type { EmailSender } from './ports';

/** The port the email calls go through; absent where the function lacks the email bindings. */
export interface EmailPorts {
  readonly emails?: EmailSender;
}

/** A SendEmail decision reached a reactor built without the email sender (its bindings are missing). */
export class NoEmailSender extends Error {
  override name = 'NoEmailSender';
}

/**
 * Email in the reactor: the double opt-in confirmation a form submission asks for, sent through the email
 * capability's sender, idempotent by the submission's event id.
 */
export const emailCapability: Capability<object, SendEmail, never, SendEmail, EmailPorts> = {
  name: 'email',
  events: emailEvents,
  rules: [doubleOptInRule(forms, emailSettings.topics)],
  writes: {},
  calls: {
    SendEmail: (decision, ports) => {
      if (!ports.emails) throw new NoEmailSender('a SendEmail decision needs the emails port');
      return ports.emails.send(decision);
    },
  },
};
