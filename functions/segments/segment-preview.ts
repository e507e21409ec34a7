import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { requireAccess } from '../access/authorizer-context';
import { bodyOfType } from '../shared/body';
import { BadRequest, HttpError, ValidationFailed, annotate, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { SegmentFile, unknownStagesOf, type Segment } from './domain/segment-file';
import type { Preview, PreviewBudget } from './rebuild';
import type { SegmentCounters } from './ports';

export interface SegmentPreviewDeps {
  /** Evaluates a segment over the contacts (`previewSegment` on the table), within the budget. */
  readonly preview: (segment: Segment, now: Date, budget: PreviewBudget) => Promise<Preview>;
  /** The shipped segments, to say whether the file replaces one. */
  readonly segments: ReadonlyMap<string, Segment>;
  /** Every stage content/lifecycle.yaml declares: a condition naming another is refused, as the build refuses it. */
  readonly stages: ReadonlySet<string>;
  readonly counters: Pick<SegmentCounters, 'size'>;
  readonly budget: PreviewBudget;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The request body at most, and so the segment file's text at most. */
export const MAX_PREVIEW_BODY_BYTES = 64 * 1024;
/** Members named in a preview's sample. */
export const PREVIEW_SAMPLE = 20;
/**
 * A preview reads for this long at most, then answers what it found with `complete: false`: the API gateway gives
 * up on a request after 30 s.
 */
export const PREVIEW_MAX_MILLIS = 20_000;
/** Contacts a preview evaluates at most (`complete: false` past them). */
export const PREVIEW_MAX_CONTACTS = 100_000;

/** `POST /segments/preview`: a segment file's YAML text. */
export const PreviewRequest = z.strictObject({ file: z.string({ error: 'is required' }).min(1, 'is required') });
export type PreviewRequest = z.infer<typeof PreviewRequest>;

/**
 * Checks a segment file exactly as `npm run content` does (the schema, and every stage it names declared), then
 * evaluates it over the contacts by replaying their timelines, as `npm run segments -- preview` does: how many
 * match, a sample, and whether it replaces a shipped segment. Nothing is written; the file comes back normalized,
 * ready to commit under `content/segments/<id>.yaml`.
 */
export const makeSegmentPreview =
  (deps: SegmentPreviewDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const text = bodyOfType(event, 'application/json', MAX_PREVIEW_BODY_BYTES, 'Send the segment file as application/json: { "file": "<YAML text>" }');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BadRequest('The body is not valid JSON', 'malformed_json');
    }
    const request = PreviewRequest.safeParse(raw);
    if (!request.success) throw new ValidationFailed(fieldErrors(request.error));

    let content: unknown;
    try {
      content = parse(request.data.file, { prettyErrors: true });
    } catch (error) {
      // The parser's message names the line and column, and quotes only the file the caller sent.
      throw new HttpError(400, 'invalid_yaml', `The segment file is not valid YAML: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1_000));
    }
    const parsed = SegmentFile.safeParse(content);
    if (!parsed.success) throw new InvalidSegmentFile(fieldErrors(parsed.error, '(segment)'));
    const segment = parsed.data;
    const stages = unknownStagesOf(segment, deps.stages);
    if (stages.length) throw new InvalidSegmentFile(stages.map((message) => ({ field: 'match', message })));
    annotate(event, { segmentId: segment.id });

    const shipped = deps.segments.has(segment.id);
    const [result, currentSize] = await Promise.all([
      deps.preview(segment, deps.clock.now(), deps.budget),
      shipped ? deps.counters.size(segment.id) : Promise.resolve(undefined),
    ]);
    annotate(event, { contacts: result.contacts, complete: result.complete });
    return json(200, {
      segment: { id: segment.id, name: segment.name, description: segment.description },
      size: result.matching,
      contacts: result.contacts,
      complete: result.complete,
      sample: result.sample.map(({ contactId, email, reason }) => ({ contactId, email, reason })),
      shipped,
      ...(currentSize !== undefined ? { currentSize } : {}),
      file: { path: `content/segments/${segment.id}.yaml`, content: normalized(content) },
    });
  };

/**
 * The file as it would be committed: the YAML the caller sent, re-serialized (comments dropped, one layout), under
 * the schema line the shipped files carry for editors.
 */
function normalized(content: unknown): string {
  return `# yaml-language-server: $schema=../schemas/segment.schema.json\n${stringify(content)}`;
}

/** A segment file the build would refuse: 422 naming each problem's path in the file. */
class InvalidSegmentFile extends HttpError {
  constructor(errors: readonly { field: string; message: string }[]) {
    super(422, 'invalid_segment_file', 'The segment file is not valid', { errors });
  }
}

export function makeSegmentPreviewHandler(deps: SegmentPreviewDeps) {
  return httpHandler(makeSegmentPreview(deps), {
    logger: deps.logger,
    // The sample names people: no browser or proxy may keep a copy.
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
    maxBodyBytes: MAX_PREVIEW_BODY_BYTES,
  });
}
