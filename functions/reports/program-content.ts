import generated from './programs.generated.json' with { type: 'json' };
import type { Program } from './domain/reports';
import { ProgramsFile } from './domain/programs';

/**
 * The programs of `content/programs.yaml`, compiled into `programs.generated.json` (see lib/reports/content-files.ts)
 * and validated as this module loads, so a bad file fails the cold start, `npm start`, `cdk synth` and the tests.
 */
export const filePrograms: readonly Program[] = ProgramsFile.parse(generated).programs;
