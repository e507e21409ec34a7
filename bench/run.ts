/**
 * `npm run bench`: bundles and module init, then form intake through the local gateway against a direct-SDK floor.
 * Prints the report and writes it to docs/benchmarks.md. Exits 0 when goals are missed (it is a report) and
 * non-zero only when the bench itself broke. Progress goes to stderr, the report to stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { benchBundles } from './bundles';
import { benchEmail, emailSection } from './email';
import { benchBroadcasts, broadcastsSection } from './broadcasts';
import { benchScoring, scoringSection } from './scoring';
import { benchJourneys, journeysSection } from './journeys';
import { benchReports, reportsSection } from './reports';
import { benchSegmentContacts, benchSegmentsReplay, segmentsSection } from './segments';
import { benchImport, benchImportRows, importSection } from './import';
import { benchErase, eraseSection } from './contacts';
import { benchConsole, consoleSection } from './console';
import { benchSegmentMembership, segmentMembershipSection } from './segment-membership';
import { benchSegmentReactor, segmentReactorSection } from './segment-reactor';
import { repoRoot, runChild } from './child';
import { renderReport, type Machine } from './report';
import { BatchPoint, IntakePoint, type BatchPlan, type IntakePlan } from './workload';
import { stop as stopEsbuild } from 'esbuild';
import { embedGzipBytes } from '../functions/forms/embed/serve-embed';

const workDir = join(repoRoot, '.bench');
const intakeLog = join(workDir, 'intake.log');

/** About four minutes on two cores: c=1 settles fast, the busier levels get longer runs. */
const intakePlan: IntakePlan = {
  concurrency: [1, 16, 64],
  seconds: 12,
  secondsAt: { 1: 8 },
  rounds: 4,
  runWarmupSeconds: 0.5,
  warmupSeconds: 8,
  poolSize: 50,
};
const initSamples = 20;
/** The tracking API's batch bench: full batches of 100 events, one and four clients at a time. */
const batchPlan: BatchPlan = {
  concurrency: [1, 4],
  seconds: 8,
  rounds: 2,
  runWarmupSeconds: 0.5,
  warmupSeconds: 3,
  users: 20,
  eventsPerBatch: 100,
};

const started = performance.now();
/** What is open before the bench starts anything (stdio, tsx's channel): not a leak when it is still open at the end. */
const atStart = process.getActiveResourcesInfo();
const elapsed = () => `${((performance.now() - started) / 1_000).toFixed(0).padStart(4)} s`;
const say = (line: string) => console.error(`[bench ${elapsed()}] ${line}`);

/**
 * Sections that can be re-run alone (`BENCH_SECTIONS=broadcasts,segments npm run bench`; `segments-replay` alone is the rebuild replay row): each replaces its own part of
 * docs/benchmarks.md, under a line saying when it was re-run; the rest of the report stays as the last full run left it.
 */
const soloSections: Record<string, () => Promise<{ markdown: string; verdicts: { goal: string; met: boolean }[] }[]>> = {
  broadcasts: async () => [broadcastsSection(await benchBroadcasts(say))],
  segments: async () => [
    segmentMembershipSection(await benchSegmentMembership(say)),
    segmentReactorSection(await benchSegmentReactor(say)),
    segmentsSection(benchSegmentsReplay()),
  ],
  'segments-replay': async () => [segmentsSection(benchSegmentsReplay())],
  console: async () => [consoleSection(await benchConsole(say))],
};
const solo = process.env.BENCH_SECTIONS?.split(',').map((name) => name.trim()).filter(Boolean);

try {
  if (solo) {
    await runSolo(solo);
    await stopEverything();
  }
  mkdirSync(workDir, { recursive: true });
  rmSync(intakeLog, { force: true });

  say(`bundling every function entry and timing module init (${initSamples} fresh processes each)`);
  const bundles = await benchBundles(join(workDir, 'bundles'), initSamples);

  say(`form intake: starting the local runtime (handler logs in ${intakeLog})`);
  const intake = await runChild('bench/intake.ts', intakePlan, z.array(IntakePoint), {
    logFile: intakeLog,
    onProgress: say,
  });

  say('email: templates, sends against a floor, calls per send, bundles');
  const email = emailSection(await benchEmail(say));

  say('broadcasts: 10,000 members through the local runtime against the send floor, exactly once, skip counts');
  const broadcastBench = broadcastsSection(await benchBroadcasts(say));

  say('scoring and CRM: rescore replay, reactor with scoring against its floor, hand-offs to the local receiver');
  const scoring = scoringSection(await benchScoring(say));

  say('journeys: transitions per path and their cost, reactor with journey rules against its floor');
  const journeyBench = journeysSection(await benchJourneys(say));

  say('segments: POST /v1/track → segment.entered through the local runtime, against the plain reaction');
  const membershipBench = segmentMembershipSection(await benchSegmentMembership(say));

  say('segments: the reactor with 50 segments against its floor, and with none');
  const segmentReactorBench = segmentReactorSection(await benchSegmentReactor(say));

  say('reports: funnel and email reports over 365 days of counters, rebuild throughput');
  const reportsBench = reportsSection(await benchReports(say));

  say(`segments: rebuild replay of ${benchSegmentContacts.toLocaleString('en')} generated contacts through every segment, against rescore's replay`);
  const segmentsBench = segmentsSection(benchSegmentsReplay());

  say(`contact import: ${benchImportRows} rows through npm run contacts -- import against the direct-write floor`);
  const importBench = importSection(await benchImport(say));
  say('contacts: erase of a contact with a 1,000-event timeline, DynamoDB calls against the direct floor');
  const erase = eraseSection(await benchErase(say));
  say('console: first view JavaScript and time to interactive in headless Chromium, API calls per view');
  const consoleBench = consoleSection(await benchConsole(say));

  say('tracking API: /v1/batch through the gateway against the direct-SDK floor');
  const batches = await runChild('bench/batch.ts', batchPlan, z.array(BatchPoint), {
    logFile: join(workDir, 'batch.log'),
    onProgress: say,
  });

  const report = renderReport({
    date: new Date(),
    machine: describeMachine(),
    seconds: (performance.now() - started) / 1_000,
    intake,
    bundles,
    capture: { batches, embedGzipBytes: embedGzipBytes() },
    otherVerdicts: [...email.verdicts, ...broadcastBench.verdicts, ...scoring.verdicts, ...journeyBench.verdicts, ...membershipBench.verdicts, ...segmentReactorBench.verdicts, ...reportsBench.verdicts, ...segmentsBench.verdicts, ...importBench.verdicts, ...erase.verdicts, ...consoleBench.verdicts],
  });
  // The email section's misses are marked MISS in its own table.
  const full = `${report.trimEnd()}\n\n${email.markdown}\n${broadcastBench.markdown}\n${scoring.markdown}\n${journeyBench.markdown}\n${membershipBench.markdown}\n${segmentReactorBench.markdown}\n${reportsBench.markdown}\n${segmentsBench.markdown}\n${importBench.markdown}\n${erase.markdown}\n${consoleBench.markdown}`;
  writeFileSync(join(repoRoot, 'docs/benchmarks.md'), full);
  console.log(full);
  say('wrote docs/benchmarks.md');
} catch (error) {
  say('the bench broke:');
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopEverything();
}

/** Runs the named sections and splices each into docs/benchmarks.md in place of its heading's part (or at the end). */
async function runSolo(names: readonly string[]): Promise<void> {
  const unknown = names.filter((name) => !(name in soloSections));
  if (unknown.length) throw new Error(`BENCH_SECTIONS: no section ${unknown.join(', ')} (known: ${Object.keys(soloSections).join(', ')})`);
  const file = join(repoRoot, 'docs/benchmarks.md');
  let report = readFileSync(file, 'utf8');
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  for (const name of names) {
    say(`${name}: re-running this section alone`);
    for (const section of await soloSections[name]!()) {
      const heading = section.markdown.split('\n', 1)[0]!;
      const missed = section.verdicts.filter((verdict) => !verdict.met).length;
      const note = `_Re-run alone (\`BENCH_SECTIONS=${name}\`) on ${at} UTC: ${section.verdicts.length - missed} of ${section.verdicts.length} goals met; not counted in the summary above._`;
      const body = section.markdown.replace(heading, `${heading}\n\n${note}`).trimEnd();
      const start = report.indexOf(`\n${heading}\n`);
      if (start < 0) {
        report = `${report.trimEnd()}\n\n${body}\n`;
        continue;
      }
      const next = report.indexOf('\n## ', start + heading.length + 1);
      report = `${report.slice(0, start + 1)}${body}\n${next < 0 ? '' : report.slice(next)}`;
    }
  }
  writeFileSync(file, report);
  console.log(report);
  say('wrote docs/benchmarks.md (re-run sections only)');
}

/**
 * Ends the bench once the report is written. Every part stops what it started, so nothing should be left: what is
 * (a timer, a socket, a child process) is named, so the leak can be found, and the process exits anyway instead
 * of waiting on it (a finished bench once stayed up on the timer of a simulated journey step's timeout: days).
 */
async function stopEverything(): Promise<never> {
  await stopEsbuild();
  const left = [...process.getActiveResourcesInfo()];
  for (const kind of atStart) {
    const at = left.indexOf(kind);
    if (at >= 0) left.splice(at, 1);
  }
  if (left.length > 0) say(`exiting with what the bench left open: ${left.join(', ')}`);
  process.exit();
}

function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    cores: availableParallelism(),
    memoryGiB: totalmem() / 1024 ** 3,
    os: `${type()} ${release()}`,
    node: process.version,
    java: java.stderr.split('\n')[0]?.trim() || 'unknown Java',
  };
}
