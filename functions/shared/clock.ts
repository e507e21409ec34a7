import { systemClock, type Clock } from './ids';

let current: Clock = systemClock;

/**
 * The clock handler modules hand their factories: the system clock in Lambda. The local runtime runs every
 * function against its dev clock (`local/clock.ts`, moved by `POST /dev/clock`) and sets it once, through
 * {@link useClock}, before it imports the handlers.
 */
export const clock: Clock = { now: () => current.now() };

/** Makes {@link clock} read `next` from now on, for every handler of this process (the local runtime's). */
export function useClock(next: Clock): void {
  current = next;
}
