import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Liquid } from 'liquidjs';
import { parse as parseYaml, stringify } from 'yaml';
import type * as z from 'zod';
import { JourneyFile } from '../../functions/journeys/domain/journey-file';
import { SegmentFile, unknownStagesOf } from '../../functions/segments/domain/segment-file';
import { SmsTemplateFile } from '../../functions/sms/domain/sms-template';
import { TemplateMeta } from '../../functions/email/domain/settings';
import { describeFieldErrors, fieldErrors } from '../../functions/shared/validation';
import { outputsWithoutDefault } from '../../lib/email/compile-templates';
import { contentContext } from '../../lib/journeys/journey-files';
import { validateJourney } from '../../lib/journeys/validate';
import { writeIfChanged } from '../../lib/shared/write-if-changed';
import { assignIds } from './common';
import { EndpointResponse, endpointRows, type EndpointRows, type ReadEndpoint } from './endpoints';
import { JourneyResponse, translateJourney } from './journeys';
import { importReport, reportMarkdown, type ImportReport, type ReportEntry } from './report';
import { SegmentResponse, importTag, translateSegment } from './segments';
import { EmailTemplateResponse, SmsTemplateResponse, translateEmailTemplate, translateSmsTemplate } from './templates';

/**
 * The Pinpoint import as a whole: reads an export directory, translates every resource with the pure modules of
 * scripts/pinpoint/, checks the result with the same validation as shipped content, and writes the files (only
 * those whose content changed, so a second import of the same export changes nothing). Endpoints become rows for
 * the contacts import, which the caller runs (scripts/import.ts).
 */

/** Marks every file the importer writes: a file without it is never overwritten (its id gets a suffix instead). */
export const IMPORTED_MARK = 'Imported from Amazon Pinpoint by `npm run import -- pinpoint`: a new import overwrites this file.';

/** The export cannot be read: a file that is not JSON, or not the shape its place says. Nothing was written. */
export class InvalidPinpointExport extends Error {
  override name = 'InvalidPinpointExport';
}

export interface PinpointExport {
  readonly journeys: z.infer<typeof JourneyResponse>[];
  readonly segments: z.infer<typeof SegmentResponse>[];
  readonly emailTemplates: z.infer<typeof EmailTemplateResponse>[];
  readonly smsTemplates: z.infer<typeof SmsTemplateResponse>[];
  /** Each endpoints file: its name without extension (a segment id for a segment's export) and its endpoints. */
  readonly endpointFiles: { readonly name: string; readonly endpoints: z.infer<typeof EndpointResponse>[] }[];
  /** Files that are none of these. */
  readonly unknown: string[];
}

type Kind = 'journey' | 'segment' | 'email' | 'sms';
/** What the AWS CLI wraps each answer in. */
const WRAPPERS: Readonly<Record<string, Kind>> = { JourneyResponse: 'journey', SegmentResponse: 'segment', EmailTemplateResponse: 'email', SMSTemplateResponse: 'sms' };

/** The kind of one JSON document: by its folder (journeys/, segments/, templates/email/, templates/sms/), else by its shape. */
function kindOf(path: string, value: Record<string, unknown>): Kind | undefined {
  const folders = path.split(/[\\/]/);
  if (folders.includes('journeys')) return 'journey';
  if (folders.includes('segments')) return 'segment';
  if (folders.includes('email')) return 'email';
  if (folders.includes('sms')) return 'sms';
  if ('Activities' in value || 'StartActivity' in value) return 'journey';
  if ('SegmentType' in value || 'Dimensions' in value || 'SegmentGroups' in value) return 'segment';
  if (value.TemplateType === 'EMAIL' || 'HtmlPart' in value || 'Subject' in value) return 'email';
  if (value.TemplateType === 'SMS' || 'Body' in value) return 'sms';
  return undefined;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

/** Reads an export directory. Throws {@link InvalidPinpointExport} naming the file and what is wrong. */
export function readExport(dir: string): PinpointExport {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidPinpointExport(`${dir} is not a directory`);
  const out: PinpointExport = { journeys: [], segments: [], emailTemplates: [], smsTemplates: [], endpointFiles: [], unknown: [] };
  for (const path of filesUnder(dir)) {
    const name = relative(dir, path);
    const gz = path.endsWith('.gz');
    const bare = gz ? path.slice(0, -3) : path;
    const text = () => (gz ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString('utf8');
    if (/\.(ndjson|jsonl)$/.test(bare) || (gz && bare.split(/[\\/]/).includes('endpoints'))) {
      const endpoints = text()
        .split('\n')
        .flatMap((line, i) => {
          if (line.trim() === '') return [];
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            throw new InvalidPinpointExport(`${name} line ${i + 1} is not JSON`);
          }
          return [parseWith(EndpointResponse, value, `${name} line ${i + 1}`)];
        });
      // A file or folder right under endpoints/ names the export: a segment's id tags the contacts of its export.
      const parts = relative(dir, bare).split(/[\\/]/);
      const under = parts.indexOf('endpoints');
      const exportName = under >= 0 && parts.length > under + 1 ? parts[under + 1]! : basename(bare);
      out.endpointFiles.push({ name: exportName.replace(/\.[^.]+$/, ''), endpoints });
      continue;
    }
    if (extname(bare) !== '.json') {
      out.unknown.push(name);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text());
    } catch {
      throw new InvalidPinpointExport(`${name} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidPinpointExport(`${name} is not a JSON object`);
    let record = value as Record<string, unknown>;
    let kind: Kind | undefined;
    const wrapper = Object.keys(record).find((key) => WRAPPERS[key]);
    if (wrapper && Object.keys(record).length === 1) {
      kind = WRAPPERS[wrapper];
      record = record[wrapper] as Record<string, unknown>;
    } else kind = kindOf(name, record);
    switch (kind) {
      case 'journey':
        out.journeys.push(parseWith(JourneyResponse, record, name));
        break;
      case 'segment':
        out.segments.push(parseWith(SegmentResponse, record, name));
        break;
      case 'email':
        out.emailTemplates.push(parseWith(EmailTemplateResponse, record, name));
        break;
      case 'sms':
        out.smsTemplates.push(parseWith(SmsTemplateResponse, record, name));
        break;
      default:
        out.unknown.push(name);
    }
  }
  return out;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidPinpointExport(`${where} is not what Pinpoint returns: ${describeFieldErrors(fieldErrors(parsed.error, '(file)'))}`);
  return parsed.data;
}

export interface Translation {
  /** File contents by path relative to the output root. */
  readonly files: ReadonlyMap<string, string>;
  readonly report: ImportReport;
  /** Rows for the contacts import, and what the endpoints gave. */
  readonly endpoints: EndpointRows | undefined;
}

export interface TranslateOptions {
  /** The output root (the project root by default): its content decides which ids are free. */
  readonly root: string;
  /** The email topic of imported journeys and email templates; default the first of content/email.yaml. */
  readonly topic?: string;
  /** Subscribe active, not opted-out email addresses to this topic. */
  readonly subscribe?: string;
}

/** True when `path` exists and was not written by the importer (so it must not be overwritten). */
function ownedElsewhere(path: string): boolean {
  return existsSync(path) && !readFileSync(path, 'utf8').includes(IMPORTED_MARK);
}

/** Ids for Pinpoint resources that are free in the output root (a hand-written file keeps its id; ours gets `-pinpoint`). */
function freeIds(items: { pinpointId: string; name: string }[], max: number, pathOf: (id: string) => string): Map<string, string> {
  const ids = assignIds(items, max);
  const taken = new Set<string>();
  for (const [pinpointId, id] of ids) {
    let candidate = id;
    for (let n = 1; ownedElsewhere(pathOf(candidate)) || taken.has(candidate); n++) {
      const suffix = n === 1 ? '-pinpoint' : `-pinpoint-${n}`;
      candidate = `${id.slice(0, max - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    taken.add(candidate);
    ids.set(pinpointId, candidate);
  }
  return ids;
}

/** No line folding, and no anchors for shared objects (the windows several steps share). */
const yamlOptions = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Translates an export: files, report and contact rows. Pure but for reading the output root (free ids, validation context). */
export function translateExport(exported: PinpointExport, options: TranslateOptions): Translation {
  const { root } = options;
  const topics = readTopics(root);
  const topic = options.topic ?? topics[0] ?? 'newsletter';
  const entries: ReportEntry[] = [];
  const files = new Map<string, string>();
  const header = (schema: string) => `# yaml-language-server: $schema=${schema}\n# ${IMPORTED_MARK}\n`;

  const segmentIds = freeIds(
    exported.segments.map((s) => ({ pinpointId: s.Id, name: s.Name || s.Id })),
    48,
    (id) => join(root, 'content/segments', `${id}.yaml`),
  );
  const emailIds = freeIds(
    exported.emailTemplates.map((t) => ({ pinpointId: t.TemplateName, name: t.TemplateName })),
    64,
    (id) => join(root, 'content/emails', id, 'template.yaml'),
  );
  const smsIds = freeIds(
    exported.smsTemplates.map((t) => ({ pinpointId: t.TemplateName, name: t.TemplateName })),
    64,
    (id) => join(root, 'content/sms', `${id}.yaml`),
  );
  const journeyIds = freeIds(
    exported.journeys.map((j) => ({ pinpointId: j.Id, name: j.Name || j.Id })),
    24,
    (id) => join(root, 'statemachines', `${id}.yaml`),
  );

  const byId = <T extends { Id: string }>(items: T[]) => [...items].sort((a, b) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
  const segmentsById = new Map(exported.segments.map((s) => [s.Id, s]));
  for (const segment of byId(exported.segments)) {
    const { file, report } = translateSegment(segment, { ids: segmentIds, segments: segmentsById });
    files.set(`content/segments/${String(file.id)}.yaml`, header('../schemas/segment.schema.json') + stringify(file, yamlOptions));
    entries.push(...report.entries);
  }
  for (const template of [...exported.emailTemplates].sort((a, b) => (a.TemplateName < b.TemplateName ? -1 : 1))) {
    const { files: out, report } = translateEmailTemplate(template, emailIds.get(template.TemplateName)!, topic);
    files.set(`content/emails/${out.id}/template.yaml`, `# ${IMPORTED_MARK}\n${stringify(out.meta, yamlOptions)}`);
    files.set(`content/emails/${out.id}/body.mjml`, out.body);
    if (!options.topic) report.approximated('topic', `no --topic: "${topic}", the first topic of content/email.yaml`);
    entries.push(...report.entries);
  }
  for (const template of [...exported.smsTemplates].sort((a, b) => (a.TemplateName < b.TemplateName ? -1 : 1))) {
    const { file, report } = translateSmsTemplate(template, smsIds.get(template.TemplateName)!);
    files.set(`content/sms/${file.id}.yaml`, header('../schemas/sms-template.schema.json') + stringify(file, yamlOptions));
    entries.push(...report.entries);
  }
  for (const journey of byId(exported.journeys)) {
    const { file, report } = translateJourney(journey, {
      id: journeyIds.get(journey.Id)!,
      segmentIds,
      emailTemplateIds: emailIds,
      smsTemplateIds: smsIds,
      topic,
    });
    files.set(`statemachines/${String(file.id)}.yaml`, header('./journey.schema.json') + stringify(file, yamlOptions));
    entries.push(...report.entries);
  }

  // Endpoints: a file named after an imported segment (its export) tags its contacts with the segment's tag.
  let endpoints: EndpointRows | undefined;
  if (exported.endpointFiles.length > 0) {
    const read: ReadEndpoint[] = [];
    for (const file of [...exported.endpointFiles].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const segment = segmentsById.get(file.name);
      const tags = segment && (segment.SegmentType === 'IMPORT' || segment.ImportDefinition) ? [importTag(segmentIds.get(segment.Id)!)] : [];
      for (const endpoint of file.endpoints) read.push({ endpoint, tags });
    }
    endpoints = endpointRows(read, { source: exported.endpointFiles.map((f) => f.name).sort().join(', '), ...(options.subscribe ? { topic: options.subscribe } : {}) });
    entries.push(...endpoints.report.entries);
  }
  for (const name of exported.unknown) {
    entries.push({ kind: 'endpoints', source: name, construct: '(file)', status: 'not_translated', detail: 'neither a journey, a segment, a template nor an endpoint export: not read' });
  }

  const problems = validateFiles(files, root);
  return { files, report: importReport(entries, [...files.keys()], problems), endpoints };
}

function readTopics(root: string): string[] {
  const file = join(root, 'content/email.yaml');
  if (!existsSync(file)) return [];
  const settings = parseYaml(readFileSync(file, 'utf8')) as { topics?: { id: string }[] };
  return (settings.topics ?? []).map((t) => t.id);
}

/**
 * The checks shipped content passes, on the files about to be written together with what the root already holds:
 * the schemas, journeys' references and reachability, segment stages, templates' Liquid and defaults.
 */
export function validateFiles(files: ReadonlyMap<string, string>, root: string): string[] {
  const problems: string[] = [];
  const content = join(root, 'content');
  const context = existsSync(join(content, 'emails')) ? contentContext(content) : { templates: new Set<string>(), forms: new Set<string>(), smsTemplates: new Set<string>(), segments: new Set<string>() };
  const templates = new Set(context.templates);
  const smsTemplates = new Set(context.smsTemplates ?? []);
  const segments = new Set(context.segments ?? []);
  for (const path of files.keys()) {
    const email = /^content\/emails\/([^/]+)\/template\.yaml$/.exec(path);
    if (email) templates.add(email[1]!);
    const sms = /^content\/sms\/([^/]+)\.yaml$/.exec(path);
    if (sms) smsTemplates.add(sms[1]!);
    const segment = /^content\/segments\/([^/]+)\.yaml$/.exec(path);
    if (segment) segments.add(segment[1]!);
  }
  const liquid = new Liquid({ strictFilters: true });
  for (const [path, text] of files) {
    const value: unknown = path.endsWith('.yaml') ? parseYaml(text) : undefined;
    if (path.startsWith('statemachines/')) {
      const parsed = JourneyFile.safeParse(value);
      if (!parsed.success) problems.push(`${path}: ${describeFieldErrors(fieldErrors(parsed.error, '(journey)'))}`);
      else problems.push(...validateJourney(parsed.data, { ...context, templates, smsTemplates, segments }).map((p) => `${path}: ${p}`));
    } else if (path.startsWith('content/segments/')) {
      const parsed = SegmentFile.safeParse(value);
      if (!parsed.success) problems.push(`${path}: ${describeFieldErrors(fieldErrors(parsed.error, '(segment)'))}`);
      else if (context.stages) problems.push(...unknownStagesOf(parsed.data, context.stages).map((p) => `${path}: ${p}`));
    } else if (path.startsWith('content/sms/')) {
      const parsed = SmsTemplateFile.safeParse(value);
      if (!parsed.success) problems.push(`${path}: ${describeFieldErrors(fieldErrors(parsed.error, '(template)'))}`);
      else problems.push(...liquidProblems(liquid, parsed.data.body).map((p) => `${path}: ${p}`));
    } else if (path.endsWith('/template.yaml')) {
      const parsed = TemplateMeta.safeParse(value);
      if (!parsed.success) problems.push(`${path}: ${describeFieldErrors(fieldErrors(parsed.error, '(template)'))}`);
      else problems.push(...liquidProblems(liquid, parsed.data.subject).map((p) => `${path} subject: ${p}`));
    } else if (path.endsWith('/body.mjml')) {
      problems.push(...liquidProblems(liquid, text).map((p) => `${path}: ${p}`));
    }
  }
  return problems;
}

function liquidProblems(liquid: Liquid, source: string): string[] {
  const problems: string[] = [];
  try {
    liquid.parse(source);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const missing = outputsWithoutDefault(source);
  if (missing.length) problems.push(`outputs without a default: ${missing.join(', ')}`);
  return problems;
}

/** Writes the files whose content changed (and the report); returns the paths written. */
export function writeTranslation(translation: Translation, root: string): string[] {
  const written: string[] = [];
  const all = new Map(translation.files);
  all.set('pinpoint-import-report.md', reportMarkdown(translation.report));
  all.set('pinpoint-import-report.json', `${JSON.stringify(translation.report, null, 2)}\n`);
  for (const [path, text] of all) {
    const file = join(root, path);
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (before === text) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeIfChanged(file, text);
    written.push(path);
  }
  return written;
}

/** The contacts import's settings for endpoint rows: phone and consents come from their keys; addresses as Pinpoint had them. */
export const ENDPOINT_IMPORT_SETTINGS = {
  map: { phone: 'phone', consents: 'consents' },
  basis: 'import',
  source: 'pinpoint',
  confirmEmails: true,
} as const;

/** Endpoint rows as the NDJSON the contacts import reads. */
export function endpointNdjson(rows: readonly Record<string, unknown>[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '');
}

