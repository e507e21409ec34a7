import * as z from 'zod';

/**
 * Which experiment and arm a send belongs to (`holdout` for a contact held out, who gets nothing). Carried on the
 * send record and its `email.sent` / `email.skipped` / engagement events, so the experiments capability counts
 * them without reading anything else. Stored forever: add fields, never rename.
 */
export const ExperimentRef = z.object({ id: z.string().min(1).max(63), arm: z.string().min(1).max(63) });
export type ExperimentRef = z.infer<typeof ExperimentRef>;

/** The arm of a contact held out of an experiment: its counters are kept under this name, and no arm may take it. */
export const HOLDOUT_ARM = 'holdout';

/** The `email.skipped` reason of a send to a held-out contact: recorded as the holdout's exposure, nothing sent. */
export const HOLDOUT_SKIP_REASON = 'holdout';
