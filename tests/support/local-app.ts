import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { LOCAL_API_KEY } from '../../local/settings';

const root = resolve(import.meta.dirname, '../..');

export interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  /** aws-ses-v2-local: its inbox, and `GET /store` with every email sent. */
  readonly sesUrl: string;
  /** The local S3 endpoint, and the import bucket it serves. */
  readonly s3Endpoint: string;
  readonly importBucket: string;
  /** The local Step Functions endpoint the journeys run in. */
  readonly stepFunctionsEndpoint: string;
  output(): string;
  /** Last resort for afterAll: kills the tree's root if it is still running. */
  kill(): void;
}

/** `npm start` as a newcomer runs it, in a child process, on free ports and the given data directory. */
export async function startLocal(options: {
  dataDir: string;
  adminToken: string;
  /** Variables to set (or, with undefined, remove) on top of this process's environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The project folder to run it in (a copy whose files a test edits). @default this repository */
  cwd?: string;
}): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: options.cwd ?? root,
    env: {
      ...process.env,
      PORT: '0',
      NURTURE_DYNAMODB_PORT: '0',
      NURTURE_SES_PORT: '0',
      NURTURE_S3_PORT: '0',
      NURTURE_COGNITO_PORT: '0',
      NURTURE_SMS_PORT: '0',
      NURTURE_DATA_DIR: options.dataDir,
      NURTURE_ADMIN_TOKEN: options.adminToken,
      // The local development key (scope admin) the banner prints: tests call private routes with LOCAL_API_KEY.
      NURTURE_LOCAL_API_KEY: LOCAL_API_KEY,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a command in a terminal: Ctrl-C reaches every process in that group.
    detached: true,
  });
  let output = '';
  // Up when the banner's last line is out: each chunk of output is checked as it arrives, not on a polling interval.
  await new Promise<void>((up, failed) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(new Error(`npm start did not come up:\n${output}`));
    }, 60_000);
    const onExit = () => done(new Error(`npm start exited early:\n${output}`));
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (error) failed(error);
      else up();
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Press Ctrl-C to stop/.test(output)) done();
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', onExit);
  });
  return {
    child,
    url: /Gateway:\s+(\S+)/.exec(output)![1]!,
    dynamoDbEndpoint: /DynamoDB Local:\s+(\S+)/.exec(output)![1]!,
    sesUrl: /Email inbox:\s+(\S+)/.exec(output)![1]!,
    s3Endpoint: /Import bucket:\s+(http:\/\/[^/\s]+)\//.exec(output)![1]!,
    importBucket: /Import bucket:\s+http:\/\/[^/\s]+\/(\S+)/.exec(output)![1]!,
    stepFunctionsEndpoint: /Step Functions:\s+(\S+)/.exec(output)![1]!,
    output: () => output,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    },
  };
}

/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group, not just `npm start`; and the
 * exit code it ends with.
 */
export async function stopLocal(running: Running): Promise<number | null> {
  const exited = once(running.child, 'exit');
  process.kill(-running.child.pid!, 'SIGINT');
  const [code] = (await exited) as [number | null];
  return code;
}
