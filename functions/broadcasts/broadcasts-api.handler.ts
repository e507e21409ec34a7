import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { stepFunctions } from '../shared/sfn';
import { DynamoEmailStore } from '../email/dynamo-email-store';
import { emails, renderer } from '../email/templates';
import { experiments } from '../experiments/experiment-content';
import { broadcastFiles } from './broadcast-files';
import { makeBroadcastsApiHandler } from './broadcasts-api';
import { DynamoAudience, DynamoBroadcastStore } from './dynamo-broadcasts';
import { segments } from '../segments/segments';
import { SfnBroadcasts } from './sfn-broadcasts';
import { smsSendDepsFrom } from '../sms/sms-senders';

const env = environmentFor('broadcastsApi');

export const handler = makeBroadcastsApiHandler({
  store: new DynamoBroadcastStore(documentClient, env.TABLE_NAME),
  audience: new DynamoAudience(documentClient, env.TABLE_NAME),
  executions: new SfnBroadcasts(stepFunctions, env.BROADCAST_STATE_MACHINE_ARN),
  emails: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  renderer,
  settings: emails.settings,
  // The segments capability plugs its catalogue (content/segments/) in here.
  segmentExists: (segmentId) => segments.has(segmentId),
  experiments,
  files: broadcastFiles,
  defaultRate: Number(env.BROADCAST_DEFAULT_RATE),
  sms: smsSendDepsFrom(env, 'broadcasts'),
  clock,
  logger: createLogger('broadcasts'),
});
