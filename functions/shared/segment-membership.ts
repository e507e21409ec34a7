import * as z from 'zod';

/**
 * What other capabilities read of a contact's segment state items (`SEG#<segmentId>`, written by segments): the
 * segment and whether the contact is in it. Journeys load it to judge `segments contains <id>`.
 */
export const SegmentMembershipView = z.object({ segmentId: z.string(), member: z.boolean() });
export type SegmentMembershipView = z.infer<typeof SegmentMembershipView>;

/** The ids of the segments a contact is a member of, from its loaded segment state items. */
export function memberSegmentIds(views: readonly SegmentMembershipView[] = []): string[] {
  return views.filter((view) => view.member).map((view) => view.segmentId);
}
