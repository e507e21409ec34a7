import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoSmsInboundStore } from './dynamo-sms-store';
import { handleSmsDeliveryEvent } from './sms-delivery-events';

const env = environmentFor('smsEvents');
const deps = { store: new DynamoSmsInboundStore(documentClient, env.TABLE_NAME), logger: createLogger('sms-events') };

export const handler = async (event: unknown): Promise<void> => {
  await handleSmsDeliveryEvent(event, deps);
};
