import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { ReactorEmails } from './confirmations';
import type { EmailStore } from './ports';

export interface RemindDeps {
  readonly store: Pick<EmailStore, 'remindersDue' | 'dropReminder'>;
  readonly emails: Pick<ReactorEmails, 'remind'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Days looked back, so a paused or failed schedule catches up on what it missed. */
const CATCH_UP_DAYS = 3;

/**
 * The scheduled double opt-in reminder job: every reminder due today or in the last few days is sent (once; a
 * confirmed or unsubscribed topic gets nothing) and then forgotten. A failure leaves the due item for the next run.
 */
export const makeRemind = (deps: RemindDeps) => async (): Promise<{ sent: number; skipped: number }> => {
  let sent = 0;
  let skipped = 0;
  const today = deps.clock.now().getTime();
  for (let back = CATCH_UP_DAYS - 1; back >= 0; back--) {
    const day = new Date(today - back * 86_400_000).toISOString().slice(0, 10);
    for (const due of await deps.store.remindersDue(day)) {
      const outcome = await deps.emails.remind(due);
      if (outcome === 'sent') sent++;
      else skipped++;
      await deps.store.dropReminder(due);
    }
  }
  deps.logger.info('double opt-in reminders', { sent, skipped });
  return { sent, skipped };
};
