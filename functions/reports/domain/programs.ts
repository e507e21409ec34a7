import * as z from 'zod';
import type { Program } from './reports';

/** A program's costs and what its MQLs are attributed by, as `PUT /programs/{id}/costs` and `content/programs.yaml` give them. */
export const ProgramCosts = z.object({
  label: z.string().max(200).optional(),
  /** MQLs in this journey when they became MQL are the program's. */
  journey: z.string().min(1).max(200).optional(),
  /** MQLs whose last touch carried this `utm_campaign` are the program's. */
  campaign: z.string().min(1).max(200).optional(),
  costs: z
    .array(
      z.object({
        month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'),
        kind: z.enum(['labour', 'tools', 'ads', 'other']),
        amount: z.number().min(0).max(1e12),
      }),
    )
    .max(1_000),
});
export type ProgramCosts = z.infer<typeof ProgramCosts>;

/** A program id: lower-case letters, digits, `-` and `_`. */
export const ProgramId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'lower-case letters, digits, - and _');
export const ProgramSchema = ProgramCosts.extend({ id: ProgramId });

/** `content/programs.yaml`: programs whose costs are kept in the repository (ids unique). */
export const ProgramsFile = z.strictObject({
  programs: z
    .array(ProgramSchema)
    .default([])
    .refine((programs) => new Set(programs.map((program) => program.id)).size === programs.length, { message: 'program ids must be unique' }),
});
export type ProgramsFile = z.infer<typeof ProgramsFile>;

/**
 * The programs the cost report divides: those of `content/programs.yaml` and those entered through the API. The
 * API wins per program and month: a month the API gives any cost for takes only the API's costs for that month;
 * the file's other months stay. The API's label, journey and campaign win over the file's when it sets them.
 */
export function mergePrograms(fromFile: readonly Program[], fromApi: readonly Program[]): Program[] {
  const merged = new Map<string, Program>(fromFile.map((program) => [program.id, program]));
  for (const api of fromApi) {
    const file = merged.get(api.id);
    if (!file) {
      merged.set(api.id, api);
      continue;
    }
    const apiMonths = new Set(api.costs.map((cost) => cost.month));
    merged.set(api.id, {
      ...file,
      ...Object.fromEntries(Object.entries(api).filter(([, value]) => value !== undefined)),
      costs: [...file.costs.filter((cost) => !apiMonths.has(cost.month)), ...api.costs],
    });
  }
  return [...merged.values()];
}
