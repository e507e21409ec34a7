import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { functions } from '../lib/functions';
import type { FunctionDefinition } from '../lib/shared/function-definition';
import { BUNDLED_SDK_ALIASES, LAZY_SDK_MODULES } from '../lib/shared/nurture-function';
import { repoRoot } from './child';
import { median } from './workload';

export interface BundleResult {
  readonly name: string;
  /** What the row is: a deployed function, or a reference to compare with. */
  readonly role: 'function' | 'baseline' | 'reference' | 'comparison';
  readonly bytes: number;
  /** Median time of `await import(bundle)` in a fresh process, with the deployed NODE_OPTIONS. */
  readonly initMs: number;
}

/**
 * esbuild options as NurtureFunction (lib/shared/nurture-function.ts) hands them to CDK's NodejsFunction:
 * minified ESM for Node 22, the AWS SDK left to the runtime, a `require` for bundled CommonJS, external maps.
 */
const lambdaBundling: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
};

/** As NurtureFunction: functions that opt in bundle the SDK, except the modules they only import lazily. */
function sdkBundling(definition: FunctionDefinition): BuildOptions {
  return definition.bundleAwsSdk ? { external: [...LAZY_SDK_MODULES], alias: { ...BUNDLED_SDK_ALIASES } } : {};
}

/**
 * What the handlers validate at import, plus the NODE_OPTIONS NurtureFunction deploys with. Every function's
 * environment must parse from it (tests/shared/environment.test.ts), so a new binding fails a test, not the bench.
 */
export const lambdaEnv = {
  TABLE_NAME: 'bench',
  ADMIN_TOKEN: 'bench-admin-token-0123456789',
  // The authorizer verifies people's console tokens against the user pool.
  CONSOLE_TOKEN_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench',
  CONSOLE_JWKS_URI: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench/.well-known/jwks.json',
  CONSOLE_CLIENT_ID: 'bench-console-client',
  TRACKING_WRITE_KEY: 'bench-write-key',
  FORM_SIGNING_KEY: 'bench-form-signing-key-0123456789',
  // Forms and the contacts export/erase recognise erased addresses by their keyed hash.
  SUPPRESSION_KEY: 'bench-suppression-key-0123456789',
  AWS_REGION: 'us-east-1',
  NODE_OPTIONS: '--enable-source-maps',
  // The email functions build signed links to the API.
  PUBLIC_BASE_URL: 'https://bench.example.com',
  EMAIL_SIGNING_KEYS: 'bench-signing-key-0123456789',
  // The reactor starts journeys and queues CRM hand-offs; the email sender names its configuration set.
  JOURNEY_STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench-journey-',
  HANDOFF_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-handoff',
  SES_CONFIGURATION_SET: 'bench',
  // The import bucket's function reads dropped files from it.
  IMPORT_BUCKET: 'bench-imports',
  JOURNEY_SIGNING_SECRET: 'bench-journey-signing-secret',
  // The broadcasts API starts and stops executions of the broadcast state machine, at a default rate.
  BROADCAST_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench-broadcast',
  BROADCAST_DEFAULT_RATE: '14',
  // The SMS functions (and SMS broadcasts): End User Messaging settings, SMS off as in a new environment.
  SMS_ENABLED: 'false',
  SMS_ORIGINATION_IDENTITY: 'none',
  SMS_CONFIGURATION_SET: 'bench-sms',
  SMS_OPT_OUT_LIST: 'bench-sms-opt-outs',
  SMS_MESSAGE_TYPE: 'PROMOTIONAL',
  SMS_QUIET_HOURS: '21:00-08:00',
  SMS_HELP_TEXT: 'Bench: reply STOP to opt out.',
  // The environment's settings (nurture.config.yaml): metrics namespace, retention, site origins.
  POWERTOOLS_METRICS_NAMESPACE: 'Nurture-bench',
  IDEMPOTENCY_RETENTION_DAYS: '1',
  RAW_EVENT_RETENTION_DAYS: '30',
  FORM_ALLOWED_ORIGINS: '',
};

/** Stand-ins bundled the same way: nothing at all, and only the DynamoDB clients every handler builds. */
const standIns = {
  'empty handler': { role: 'baseline', code: 'export const handler = async () => ({});' },
  'DynamoDB clients only': {
    role: 'reference',
    code: [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
      'export const handler = async () => ({ ok: typeof client.send });',
    ].join('\n'),
  },
} as const;

/**
 * Bundles every function entry (and the stand-ins) into `outDir` — which must sit inside the repository, so
 * `@aws-sdk/*` resolves from its node_modules as it does from the Lambda runtime — then measures each bundle's
 * size and its module-init time over `samples` fresh Node processes, interleaved across bundles.
 */
export async function benchBundles(outDir: string, samples: number): Promise<BundleResult[]> {
  const bundles: { name: string; role: BundleResult['role']; file: string }[] = [];
  for (const [name, definition] of Object.entries(functions) as [string, FunctionDefinition][]) {
    const file = join(outDir, name, 'index.mjs');
    await build({ ...lambdaBundling, ...sdkBundling(definition), entryPoints: [join(repoRoot, definition.entry)], outfile: file });
    bundles.push({ name, role: 'function', file });
    if (definition.bundleAwsSdk) {
      // The same function with the SDK left to the runtime, measured in the same run: the faster one is deployed.
      const external = join(outDir, `${name}-sdk-external`, 'index.mjs');
      await build({ ...lambdaBundling, entryPoints: [join(repoRoot, definition.entry)], outfile: external });
      bundles.push({ name: `${name} (SDK external)`, role: 'comparison', file: external });
    }
  }
  for (const [name, { role, code }] of Object.entries(standIns)) {
    const file = join(outDir, name.replaceAll(' ', '-'), 'index.mjs');
    await build({ ...lambdaBundling, stdin: { contents: code, loader: 'ts', resolveDir: repoRoot }, outfile: file });
    bundles.push({ name, role, file });
  }

  const times = bundles.map((): number[] => []);
  for (let i = 0; i < samples; i++) {
    for (const [n, bundle] of bundles.entries()) times[n]!.push(await timeImport(bundle.file));
  }
  return bundles.map((bundle, n) => ({
    name: bundle.name,
    role: bundle.role,
    bytes: statSync(bundle.file).size,
    initMs: median(times[n]!),
  }));
}

const probe = [
  'const started = performance.now();',
  'await import(process.env.BENCH_BUNDLE);',
  'process.stdout.write(String(performance.now() - started));',
].join('\n');

/** Milliseconds `await import(file)` takes in a fresh Node process with a Lambda-like environment. */
async function timeImport(file: string): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      ...lambdaEnv,
      BENCH_BUNDLE: pathToFileURL(file).href,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  const ms = Number(stdout);
  if (code !== 0 || !Number.isFinite(ms)) throw new Error(`importing ${file} failed (exit ${code}): ${stderr.slice(-2_000)}`);
  return ms;
}
