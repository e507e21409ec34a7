import * as z from 'zod';
import { attributeConditions, attributeName, metricCondition, sortedEntries, type AttributeDimension, type MetricDimension, type Translated } from './common';
import { ReportBuilder } from './report';

/**
 * Pinpoint segments (GetSegment's SegmentResponse) as segment files (`content/segments/<id>.yaml`). Dimensions
 * become profile conditions on the attributes the endpoints import writes (endpoints/*.ndjson); segment groups
 * become all / any / not; a source segment is inlined (our membership does not nest segments); an imported
 * segment (`SegmentType: IMPORT`) becomes "tagged with `pinpoint-<id>`", the tag the endpoints import gives the
 * contacts of its export. Pure.
 */

const SetDimension = z.looseObject({ DimensionType: z.string().optional(), Values: z.array(z.string()).default([]) });
const AttributeDimensionSchema = z.looseObject({ AttributeType: z.string().optional(), Values: z.array(z.string()).default([]) });
const MetricDimensionSchema = z.looseObject({ ComparisonOperator: z.string().optional(), Value: z.number().optional() });

/** Pinpoint's SegmentDimensions, as far as the import reads it (unknown keys are kept and reported). */
export const SegmentDimensions = z.looseObject({
  Attributes: z.record(z.string(), AttributeDimensionSchema).optional(),
  UserAttributes: z.record(z.string(), AttributeDimensionSchema).optional(),
  Metrics: z.record(z.string(), MetricDimensionSchema).optional(),
  Behavior: z.looseObject({ Recency: z.looseObject({ Duration: z.string().optional(), RecencyType: z.string().optional() }).optional() }).optional(),
  Demographic: z.record(z.string(), SetDimension).optional(),
  Location: z.looseObject({ Country: SetDimension.optional(), GPSPoint: z.unknown().optional() }).optional(),
});
export type SegmentDimensions = z.infer<typeof SegmentDimensions>;

export const SegmentResponse = z.looseObject({
  Id: z.string().min(1),
  Name: z.string().default(''),
  SegmentType: z.string().default('DIMENSIONAL'),
  Dimensions: SegmentDimensions.optional(),
  SegmentGroups: z
    .looseObject({
      Include: z.string().optional(),
      Groups: z
        .array(
          z.looseObject({
            Dimensions: z.array(SegmentDimensions).default([]),
            SourceSegments: z.array(z.looseObject({ Id: z.string(), Version: z.number().optional() })).default([]),
            SourceType: z.string().optional(),
            Type: z.string().optional(),
          }),
        )
        .default([]),
    })
    .optional(),
  ImportDefinition: z.looseObject({ ExternalId: z.string().optional(), Format: z.string().optional(), S3Url: z.string().optional(), Size: z.number().optional() }).optional(),
});
export type SegmentResponse = z.infer<typeof SegmentResponse>;

/** A node of our segment condition tree, as the file writes it. */
export type Node = { all: Node[] } | { any: Node[] } | { not: Node } | { where: string };

/** The tag an imported (static) segment's contacts carry: its file matches it. */
export function importTag(segmentId: string): string {
  return `pinpoint-${segmentId}`;
}

/** Metadata Pinpoint returns that describes the resource rather than who is in it. */
const SEGMENT_METADATA = new Set(['Id', 'Name', 'ApplicationId', 'Arn', 'CreationDate', 'LastModifiedDate', 'Version', 'tags', 'SegmentType']);

export interface SegmentContext {
  /** Our id of every segment in the export, by Pinpoint id. */
  readonly ids: ReadonlyMap<string, string>;
  /** Every segment in the export, by Pinpoint id (source segments are inlined from here). */
  readonly segments: ReadonlyMap<string, SegmentResponse>;
}

/** One segment file, and what the report says about it. */
export function translateSegment(segment: SegmentResponse, context: SegmentContext): { file: Record<string, unknown>; report: ReportBuilder } {
  const id = context.ids.get(segment.Id)!;
  const report = new ReportBuilder('segment', segment.Id, `content/segments/${id}.yaml`);
  report.translated('Id/Name', `segment "${id}" named "${segment.Name || segment.Id}"`);
  for (const key of Object.keys(segment).sort()) {
    if (!SEGMENT_METADATA.has(key) && !['Dimensions', 'SegmentGroups', 'ImportDefinition'].includes(key)) {
      report.notTranslated(key, 'not a construct the importer knows; it describes no audience we can express');
    }
  }
  const match = segmentTree(segment, context, report, '', new Set());
  const file = {
    id,
    name: (segment.Name || segment.Id).slice(0, 200),
    description: `Imported from Amazon Pinpoint segment ${segment.Id}${segment.SegmentType === 'IMPORT' ? ' (an imported list: its contacts carry the tag)' : ''}.`,
    match: match ?? { where: 'email exists' },
  };
  if (!match) report.translated('(no dimensions)', 'a segment without dimensions holds every endpoint: here, every contact (`email exists`)');
  return { file, report };
}

/** The condition tree of a segment (inlining its sources), or undefined when it constrains nothing. */
function segmentTree(segment: SegmentResponse, context: SegmentContext, report: ReportBuilder, prefix: string, seen: ReadonlySet<string>): Node | undefined {
  if (segment.SegmentType === 'IMPORT' || segment.ImportDefinition) {
    const tag = importTag(context.ids.get(segment.Id) ?? segment.Id);
    report.translated(`${prefix}ImportDefinition`, `an imported (static) segment: its endpoints' contacts are tagged "${tag}" by the endpoints import (endpoints/${segment.Id}.ndjson, the segment's export), and the segment is "tags contains ${tag}"`);
    return { where: `tags contains ${tag}` };
  }
  const parts: Node[] = [];
  if (segment.Dimensions) {
    const node = dimensionsTree(segment.Dimensions, report, `${prefix}Dimensions`);
    if (node) parts.push(node);
  }
  if (segment.SegmentGroups) {
    const groups: Node[] = [];
    segment.SegmentGroups.Groups.forEach((group, g) => {
      const where = `${prefix}SegmentGroups.Groups[${g}]`;
      const groupParts: Node[] = [];
      const sources: Node[] = [];
      group.SourceSegments.forEach((source, s) => {
        const at = `${where}.SourceSegments[${s}]`;
        const sourceSegment = context.segments.get(source.Id);
        if (!sourceSegment) {
          report.notTranslated(at, `source segment ${source.Id} is not in the export: add segments/${source.Id}.json (get-segment) and import again`);
          return;
        }
        if (seen.has(source.Id)) {
          report.notTranslated(at, `source segment ${source.Id} includes itself`);
          return;
        }
        const tree = segmentTree(sourceSegment, context, report, `${at} → `, new Set([...seen, segment.Id, source.Id]));
        report.translated(at, `source segment ${source.Id} inlined (membership does not nest segments here)${source.Version !== undefined ? `; version ${source.Version} is read as the export's` : ''}`);
        sources.push(tree ?? { where: 'email exists' });
      });
      if (sources.length > 0) {
        const type = group.SourceType ?? 'ALL';
        if (type !== 'ALL' && type !== 'ANY') report.notTranslated(`${where}.SourceType`, `source type ${type} is not known; read as ALL`);
        else report.translated(`${where}.SourceType`, `${type}: ${type === 'ANY' ? 'any' : 'all'} of the source segments`);
        groupParts.push(sources.length === 1 ? sources[0]! : type === 'ANY' ? { any: sources } : { all: sources });
      }
      const dims = group.Dimensions.flatMap((dimensions, d) => {
        const node = dimensionsTree(dimensions, report, `${where}.Dimensions[${d}]`);
        return node ? [node] : [];
      });
      const type = group.Type ?? 'ALL';
      if (dims.length > 0) {
        report.translated(`${where}.Type`, `${type}: ${type === 'ANY' ? 'any of' : type === 'NONE' ? 'none of' : 'all of'} the group's dimensions`);
        const combined = dims.length === 1 ? dims[0]! : type === 'ALL' ? { all: dims } : { any: dims };
        groupParts.push(type === 'NONE' ? { not: combined } : combined);
      }
      if (groupParts.length > 0) groups.push(groupParts.length === 1 ? groupParts[0]! : { all: groupParts });
    });
    if (groups.length > 0) {
      const include = segment.SegmentGroups.Include ?? 'ALL';
      report.translated(`${prefix}SegmentGroups.Include`, `${include}: ${include === 'ANY' ? 'any' : include === 'NONE' ? 'none' : 'all'} of the groups`);
      const combined = groups.length === 1 ? groups[0]! : include === 'ANY' ? { any: groups } : include === 'NONE' ? { any: groups } : { all: groups };
      parts.push(include === 'NONE' ? { not: combined } : combined);
    }
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0]! : { all: parts };
}

/**
 * One SegmentDimensions as a tree (all of its parts), or undefined when nothing in it translates. Every leaf met is
 * reported; an untranslated leaf is left out, which widens the segment (the report says so).
 */
export function dimensionsTree(dimensions: SegmentDimensions, report: ReportBuilder, where: string): Node | undefined {
  const conditions = dimensionConditions(dimensions, report, where);
  const nodes = conditions.map((text): Node => ({ where: text }));
  if (nodes.length === 0) return undefined;
  return nodes.length === 1 ? nodes[0]! : { all: nodes };
}

/** A SegmentDimensions as profile conditions that must all hold (journeys' branches use them too). */
export function dimensionConditions(dimensions: SegmentDimensions, report: ReportBuilder, where: string): string[] {
  const out: string[] = [];
  const take = (construct: string, translated: Translated, what: string) => {
    if ('error' in translated) {
      report.notTranslated(construct, `${translated.error}; left out, so the audience is wider than in Pinpoint`);
      return;
    }
    out.push(...translated.conditions);
    report.translated(construct, `${what}: ${translated.conditions.map((c) => `\`${c}\``).join(' and ')}${translated.note ? ` (${translated.note})` : ''}`);
  };
  for (const [name, dimension] of sortedEntries<AttributeDimension>(dimensions.Attributes)) {
    take(`${where}.Attributes.${name}`, attributeConditions(attributeName(name), dimension), `endpoint attribute ${name} → attribute ${attributeName(name)}`);
  }
  for (const [name, dimension] of sortedEntries<AttributeDimension>(dimensions.UserAttributes)) {
    take(`${where}.UserAttributes.${name}`, attributeConditions(attributeName(name), dimension), `user attribute ${name} → attribute ${attributeName(name)}`);
  }
  for (const [name, dimension] of sortedEntries<MetricDimension>(dimensions.Metrics)) {
    take(`${where}.Metrics.${name}`, metricCondition(attributeName(name), dimension), `endpoint metric ${name} → attribute ${attributeName(name)}`);
  }
  for (const [name, dimension] of sortedEntries(dimensions.Demographic)) {
    const construct = `${where}.Demographic.${name}`;
    if (name !== 'Channel') {
      report.notTranslated(construct, `device ${name} (app, push) is not something a contact has here; left out, so the audience is wider than in Pinpoint`);
      continue;
    }
    const fields = dimension.Values.map((value) => (value === 'EMAIL' ? 'email' : value === 'SMS' ? 'phone' : undefined));
    if (fields.some((field) => field === undefined)) {
      report.notTranslated(construct, `channels ${dimension.Values.join(', ')}: only EMAIL and SMS exist here; left out`);
      continue;
    }
    const exclusive = dimension.DimensionType === 'EXCLUSIVE';
    const texts = fields.map((field) => `${field} ${exclusive ? 'missing' : 'exists'}`);
    if (!exclusive && texts.length > 1) {
      report.notTranslated(construct, 'several channels (any of them) need an "any" that a journey branch cannot hold; left out');
      continue;
    }
    out.push(...texts);
    report.translated(construct, `channel ${dimension.Values.join(', ')}: ${texts.map((t) => `\`${t}\``).join(' and ')}`);
  }
  for (const [name, dimension] of sortedEntries(dimensions.Location as Record<string, unknown> | undefined)) {
    const construct = `${where}.Location.${name}`;
    if (name === 'Country') {
      const set = dimension as { DimensionType?: string; Values: string[] };
      take(construct, attributeConditions('country', { AttributeType: set.DimensionType ?? 'INCLUSIVE', Values: set.Values }), 'country → attribute country');
    } else {
      report.notTranslated(construct, 'a GPS point and radius: contacts have no coordinates here; left out, so the audience is wider than in Pinpoint');
    }
  }
  if (dimensions.Behavior?.Recency) {
    const { Duration, RecencyType } = dimensions.Behavior.Recency;
    report.notTranslated(
      `${where}.Behavior.Recency`,
      `endpoint ${RecencyType ?? ''} within ${Duration ?? ''}: Pinpoint counts app sessions and endpoint updates, which have no event here; ` +
        'left out. Write a behaviour condition on an event you track (e.g. email.clicked within 30d) if you need it',
    );
  }
  for (const key of Object.keys(dimensions).sort()) {
    if (!['Attributes', 'UserAttributes', 'Metrics', 'Demographic', 'Location', 'Behavior'].includes(key)) {
      report.notTranslated(`${where}.${key}`, 'a dimension the importer does not know; left out');
    }
  }
  return out;
}
