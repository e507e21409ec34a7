/**
 * A one-time message carried from one view to the next within the app (the erase on the contact page, shown on
 * Contacts): kept in memory only, so a reload or a shared link never repeats it.
 */
let pending: string | undefined;

export function leaveNotice(message: string): void {
  pending = message;
}

export function takeNotice(): string | undefined {
  const message = pending;
  pending = undefined;
  return message;
}
