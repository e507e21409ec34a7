import { handOffDeps } from './handler-deps';
import { makeHandOffTask } from './hand-off-task';

export const handler = makeHandOffTask(handOffDeps('crm-hand-off'));
