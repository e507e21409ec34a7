import './quiet-sdk-notice';
import { createLogger, scrubText } from '../functions/shared/logger';
import { join } from 'node:path';
import { buildConsole } from './console';
import { startRuntime } from './runtime';
import { LOCAL_CONSOLE_PASSWORD } from './identity-provider';
import { localSettings } from './settings';

/** `npm start`: the whole system on embedded parts until Ctrl-C; its settings are `local/settings.ts`. */

const settings = (() => {
  try {
    return localSettings();
  } catch (error) {
    console.error(`Nurture could not start: ${scrubText(error instanceof Error ? error.message : String(error))}`);
    process.exit(1);
  }
})();

// The console app (console/dist), rebuilt when its sources changed since the last build.
await buildConsole(join(import.meta.dirname, '..')).catch((error: unknown) => {
  console.error(`The console could not be built: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const runtime = await startRuntime({
  port: settings.PORT,
  dynamoDbPort: settings.NURTURE_DYNAMODB_PORT,
  sesPort: settings.NURTURE_SES_PORT,
  s3Port: settings.NURTURE_S3_PORT,
  smsPort: settings.NURTURE_SMS_PORT,
  dataDir: settings.NURTURE_DATA_DIR === 'memory' ? null : settings.NURTURE_DATA_DIR,
  adminToken: settings.NURTURE_ADMIN_TOKEN,
  apiKey: settings.NURTURE_LOCAL_API_KEY,
  cognitoPort: settings.NURTURE_COGNITO_PORT,
  consolePassword: settings.NURTURE_CONSOLE_PASSWORD,
}).catch((error: unknown) => {
  console.error(`Nurture could not start: ${scrubText(error instanceof Error ? error.message : String(error))}`);
  process.exit(1);
});

console.log(`
Nurture is running locally.
  Gateway:        ${runtime.url}
  Demo page:      ${runtime.url}/
  Console:        ${runtime.url}/console/
  Health:         ${runtime.url}/health
  Form endpoint:  ${runtime.url}/forms/demo-request
  API key:        ${runtime.apiKey}   (local, scope admin: Authorization: Bearer <key>)
  Contacts API:   ${runtime.url}/contacts?email=...   (Authorization: Bearer ${runtime.apiKey})
  Console users:  ${runtime.identity.users.map((user) => user.username).join(', ')}   (password: NURTURE_CONSOLE_PASSWORD${settings.NURTURE_CONSOLE_PASSWORD === LOCAL_CONSOLE_PASSWORD ? `, default ${LOCAL_CONSOLE_PASSWORD}` : ''}; npm run users -- list)
  Sign-in (IdP):  ${runtime.identity.endpoint}   (cognito-local; pool ${runtime.identity.userPoolId}, client ${runtime.identity.clientId})
  Keys:           npm run keys -- create --name <name> --scopes contacts:read   (list, revoke <keyId>)
  Email inbox:    ${runtime.sesUrl}
  Email previews: ${runtime.url}/dev/emails   (send to bounce@ / complaint@simulator.amazonses.com for SES events)
  Sales inbox:    ${runtime.url}/dev/crm   (local HubSpot-compatible CRM; scores at /contacts/{id}/score)
  DynamoDB Local: ${runtime.dynamoDbEndpoint}   (table ${runtime.tableName})
  Step Functions: ${runtime.stepFunctions.endpoint}   (journeys; aws stepfunctions list-executions --endpoint-url …)
  Import bucket:  ${runtime.s3Endpoint}/${runtime.importBucket}   (aws s3 cp list.csv s3://${runtime.importBucket}/imports/ --endpoint-url ${runtime.s3Endpoint}; reports under reports/)
Press Ctrl-C to stop.`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  runtime.stop().then(
    () => {
      console.log('Stopped.');
      process.exit(0);
    },
    (error: unknown) => {
      createLogger('local-runtime').error('stop failed', { error });
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
// A closed terminal: DynamoDB Local runs in its own process group and session, so it must be stopped from here.
process.on('SIGHUP', () => shutdown('SIGHUP'));

// The local runtime stands in for several services in one process: a stray rejected promise in one of them (a
// dropped connection to a local emulator) must not take the others down, as it would not in AWS. It is logged loudly.
process.on('unhandledRejection', (reason: unknown) => {
  createLogger('local-runtime').error('unhandled rejection', { error: reason });
});
