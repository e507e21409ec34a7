import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergePrograms } from '../../functions/reports/domain/programs';
import { filePrograms } from '../../functions/reports/program-content';
import { generatedPrograms, generatedProgramsFile, programsJsonSchema, programsSchemaFile } from '../../lib/reports/content-files';

describe('program costs from content/programs.yaml', () => {
  it('ships a generated module and a JSON Schema that match content/programs.yaml (run `npm run content`)', () => {
    expect(readFileSync(generatedProgramsFile, 'utf8')).toBe(generatedPrograms());
    expect(readFileSync(programsSchemaFile, 'utf8')).toBe(programsJsonSchema());
    expect(filePrograms.map((program) => program.id)).toEqual(['nurture', 'webinar-ads']);
  });

  it('rejects an invalid file, naming it and the field', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'programs-')), 'programs.yaml');
    writeFileSync(file, 'programs:\n  - id: Bad Id\n    costs: [{ month: "2026-13", kind: ads, amount: 1 }]\n');

    expect(() => generatedPrograms(file)).toThrow(new RegExp(`${file} is invalid[\\s\\S]*month`));
  });

  it('merges with the API: the API wins per program and month, the file keeps its other months and programs', () => {
    const merged = mergePrograms(
      [
        { id: 'nurture', label: 'From file', journey: 'budget-router', costs: [{ month: '2026-10', kind: 'labour', amount: 500 }, { month: '2026-11', kind: 'labour', amount: 800 }, { month: '2026-11', kind: 'tools', amount: 120 }] },
        { id: 'webinar-ads', campaign: 'webinar', costs: [{ month: '2026-11', kind: 'ads', amount: 450 }] },
      ],
      [
        { id: 'nurture', label: 'From API', costs: [{ month: '2026-11', kind: 'labour', amount: 900 }] },
        { id: 'events', campaign: 'expo', costs: [] },
      ],
    );

    expect(merged).toEqual([
      { id: 'nurture', label: 'From API', journey: 'budget-router', costs: [{ month: '2026-10', kind: 'labour', amount: 500 }, { month: '2026-11', kind: 'labour', amount: 900 }] },
      { id: 'webinar-ads', campaign: 'webinar', costs: [{ month: '2026-11', kind: 'ads', amount: 450 }] },
      { id: 'events', campaign: 'expo', costs: [] },
    ]);
  });
});
