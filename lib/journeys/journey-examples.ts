import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { parse } from 'yaml';
import { describeFieldErrors, fieldErrors } from '../../functions/shared/validation';
import type { JourneyExample } from './journey-diff';
import { journeysDir } from './journey-files';
import { SimulatedEvent } from './simulator';

/**
 * A journey's example contacts (`statemachines/examples/<journey id>.yaml`): the people a reviewer cares about,
 * each with the events they cause. `npm run journey -- diff` runs every example over both versions of a changed
 * journey and shows those whose outcome changes.
 */
export const JourneyExamplesFile = z.strictObject({
  journey: z.string().min(1),
  examples: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        /** As `simulate --contact` takes it: `{ attributes: { budget: 2000 } }` or flat attributes. */
        contact: z.record(z.string(), z.unknown()),
        /** As `simulate --events` takes them: `{ at: '+2d', type: 'email.clicked', data: { templateId: 'nurture-1' } }`. */
        events: z.array(SimulatedEvent).default([]),
      }),
    )
    .min(1),
});
export type JourneyExamplesFile = z.infer<typeof JourneyExamplesFile>;

export const examplesDir = join(journeysDir, 'examples');

/** Every journey's examples, by journey id; a file that does not parse fails naming it and the field. */
export function readJourneyExamples(dir = examplesDir): ReadonlyMap<string, readonly JourneyExample[]> {
  const examples = new Map<string, readonly JourneyExample[]>();
  if (!existsSync(dir)) return examples;
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
    const parsed = JourneyExamplesFile.safeParse(parse(readFileSync(join(dir, name), 'utf8')));
    if (!parsed.success) throw new Error(`Journey examples file ${name} is invalid: ${describeFieldErrors(fieldErrors(parsed.error, '(examples)'))}`);
    examples.set(parsed.data.journey, parsed.data.examples satisfies JourneyExample[]);
  }
  return examples;
}
