import { environmentFor } from '../shared/environment';
import { makeUpsertContactHandler } from './upsert-contact';
import { upsertingFrom } from './upsert-deps';

const env = environmentFor('upsertContact');

export const handler = makeUpsertContactHandler({ ...upsertingFrom(env) });
