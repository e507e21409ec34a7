/** A segment's member as the API lists it: who, their address, and since when they are in. */
export interface SegmentMember {
  readonly contactId: string;
  /** Absent when the profile is gone (an erased contact whose state is not yet removed). */
  readonly email?: string;
  readonly since?: string;
}

/** One page of members, in contact-id order. */
export interface MemberPage {
  readonly members: readonly SegmentMember[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  readonly nextCursor?: string;
}

/** The cursor was not issued for this segment's members (tampered with, or from another segment). */
export class InvalidMembersCursor extends Error {
  override name = 'InvalidMembersCursor';
}

/** Reads a segment's members from the membership index: one page per call, never a scan. */
export interface SegmentMembers {
  page(segmentId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<MemberPage>;
}

/** Reads a segment's counters (functions/segments/domain/rules.ts `segmentMetric`): the size gauge and the daily moves. */
export interface SegmentCounters {
  /** Members now: the `current` gauge, its shards summed. */
  size(segmentId: string): Promise<number>;
  /** Entered and exited per day from `from` to `to` (inclusive `yyyy-mm-dd`), days with a move only. */
  daily(segmentId: string, from: string, to: string): Promise<Map<string, { entered: number; exited: number }>>;
}
