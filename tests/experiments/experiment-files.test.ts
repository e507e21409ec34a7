import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { counted } from './counting-support';
import { experiments } from '../../functions/experiments/experiment-content';
import { experimentJsonSchema, experimentSchemaFile, generatedExperiments, generatedExperimentsFile } from '../../lib/experiments/content-files';

const fileIn = (name: string, text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'experiments-'));
  writeFileSync(join(dir, name), text);
  return dir;
};

const valid = `id: subject
name: Subject
hypothesis: A question gets more clicks
arms: [{ id: control }, { id: question, subject: "Ready?" }]
decision: { baselineRate: 0.04, minimumDetectableLift: 0.25 }
`;

describe('experiment files in content/experiments', () => {
  it('ships a generated module and a JSON Schema that match the files (run `npm run content`)', () => {
    expect(readFileSync(generatedExperimentsFile, 'utf8')).toBe(generatedExperiments());
    expect(readFileSync(experimentSchemaFile, 'utf8')).toBe(experimentJsonSchema());
    expect([...experiments.keys()].sort()).toEqual(['newsletter-march', 'welcome-subject']);
  });

  it('fills the defaults: human clicks, alpha 0.05, power 0.8, no holdout, weight 1', () => {
    const [file] = Object.values(JSON.parse(generatedExperiments(fileIn('subject.yaml', valid))) as object);
    const experiment = experiments.get('welcome-subject')!;

    expect(file).toMatchObject({ id: 'subject' });
    expect(experiment).toMatchObject({ metric: 'human_click', holdout: 0, decision: { alpha: 0.05, power: 0.8 } });
    expect(experiment.arms.every((arm) => arm.weight === 1)).toBe(true);
  });

  it('rejects a holdout over half, naming the file and the field', () => {
    const dir = fileIn('subject.yaml', `${valid}holdout: 0.6\n`);

    expect(() => generatedExperiments(dir)).toThrow(/subject\.yaml is invalid[\s\S]*holdout/);
  });

  it('rejects a manual winner that is not an arm, and an arm named holdout', () => {
    expect(() => generatedExperiments(fileIn('subject.yaml', `${valid}winner: nope\n`))).toThrow(/"nope" is not an arm/);
    expect(() => generatedExperiments(fileIn('subject.yaml', valid.replace('id: control', 'id: holdout')))).toThrow(/names the holdout/);
  });

  it('rejects an arm naming a template that is not in content/emails, and a file not named after its id', () => {
    expect(() => generatedExperiments(fileIn('subject.yaml', valid.replace('id: control', 'id: control, template: nope')))).toThrow(/template "nope"/);
    expect(() => generatedExperiments(fileIn('other.yaml', valid))).toThrow(/name the file after its id/);
  });

  it('counts nothing for an experiment whose file is gone', () => {
    expect(counted('gone')).toEqual([]);
  });
});
