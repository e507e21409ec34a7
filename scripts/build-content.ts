import { buildConfigSchema } from '../lib/config/environment-config';
import { buildExperimentsContent } from '../lib/experiments/content-files';
import { buildBroadcastFiles } from '../lib/broadcasts/broadcast-files';
import { buildEmbed } from '../lib/forms/embed-files';
import { buildRouteAccess, buildRouteScopesTable } from '../lib/access/route-access-file';
import { buildBindingKinds } from '../lib/function-environment-file';
import { buildJourneys } from '../lib/journeys/journey-files';
import { buildProgramsContent } from '../lib/reports/content-files';
import { buildScoringContent } from '../lib/scoring/content-files';
import { buildSegments } from '../lib/segments/segment-files';
import { buildSmsTemplates } from '../lib/sms/sms-template-files';

/**
 * Validates marketer-owned content and regenerates what the functions bundle from it (and the embed snippet, and
 * each function's binding kinds from the registry). Run by `npm start` (prestart), `cdk synth` (bin/nurture.ts)
 * and `npm run content`; the tests check the generated files are current.
 */
const smsTemplates = buildSmsTemplates();
console.log(`content: ${smsTemplates.size} SMS templates valid`);
const journeys = buildJourneys();
console.log(`content: ${journeys.size} journeys valid (${[...journeys.keys()].join(', ')})`);
buildScoringContent();
const segments = buildSegments();
console.log(`content: ${segments.size} segments valid`);
console.log('content: scoring.yaml and lifecycle.yaml valid');
buildProgramsContent();
console.log('content: programs.yaml valid');
const experiments = buildExperimentsContent();
console.log(`content: ${experiments} experiments valid`);
console.log(`content: ${buildBroadcastFiles()} broadcast files valid`);
buildEmbed();
console.log('content: embed snippet compiled');
buildBindingKinds();
console.log('content: function binding kinds generated from lib/functions.ts');
buildConfigSchema();
console.log('content: nurture.config.yaml schema generated');
buildRouteAccess();
buildRouteScopesTable();
console.log('content: route scopes generated from lib/functions.ts (and their table in docs/security.md)');
