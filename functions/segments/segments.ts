import files from './segments.generated.json' with { type: 'json' };
import sources from './segment-sources.generated.json' with { type: 'json' };
import { loadSegments } from './domain/segment-file';

/**
 * Every segment, from the files in content/segments/ (bundled as the generated JSON that `npm run content`,
 * `npm start` and `cdk synth` write). Validated again as this module loads, so a broken segment never runs.
 */
export const segments = loadSegments(files);

/** Each shipped segment's file, by segment id: its path in the repository and its YAML text as committed. */
export const segmentSources: ReadonlyMap<string, SegmentSource> = new Map(Object.entries(sources));

export interface SegmentSource {
  readonly path: string;
  readonly content: string;
}
