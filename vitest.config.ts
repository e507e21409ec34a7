import { defineConfig } from 'vitest/config';

// Node 20 is supported here (Lambda runs 22): silence the AWS SDK's notice about its future Node 22 floor. Set on
// this process, not in `test.env`, because the SDK also runs here (the global setup's DynamoDB Local client) and
// in processes the tests start (`npm start`), which inherit this environment but not `test.env`. The SDK reads
// the variable when a client is built, so setting it before any client exists is enough.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // DynamoDB Locals for the run, taken by test files in turn; every test file creates its own table (tests/support).
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is waiting on DynamoDB Local, the local engine and the gateway, not CPU: on CI's 2 cores
    // vitest's default (cores - 1 = one file at a time) leaves both cores idle most of the run.
    maxWorkers: Number(process.env.NURTURE_TEST_WORKERS) || 2,
  },
});
