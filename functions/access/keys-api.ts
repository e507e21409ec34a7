import { BadRequest, httpHandler, json, NotFound, ValidationFailed, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { bodyOfType } from '../shared/body';
import { callerOf, requireAccess } from './authorizer-context';
import { createKey, NewKey } from './create-key';
import { isKeyId } from './domain/access';
import type { ApiKeyStore } from './ports';

export interface KeysApiDeps {
  readonly keys: ApiKeyStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

const MAX_BODY_BYTES = 4_096;

/**
 * The keys API (scope `admin`, or the bootstrap admin token): `POST /keys` creates a key and shows it once,
 * `GET /keys` lists them (never a secret or its hash), `DELETE /keys/{keyId}` revokes one.
 */
export const makeKeysApi =
  (deps: KeysApiDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    switch (event.routeKey) {
      case 'POST /keys': {
        const text = bodyOfType(event, 'application/json', MAX_BODY_BYTES, 'Send the key as application/json: { "name", "scopes", "expiresIn"? }');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new BadRequest('The body is not valid JSON', 'malformed_json');
        }
        const parsed = NewKey.safeParse(body);
        if (!parsed.success) throw new ValidationFailed(fieldErrors(parsed.error));
        const created = await createKey(deps.keys, parsed.data, callerOf(event).keyId, deps.clock.now());
        deps.logger.info('key created', { createdKeyId: created.keyId, scopes: created.scopes });
        return json(201, created);
      }
      case 'GET /keys':
        return json(200, { keys: await deps.keys.list() });
      case 'DELETE /keys/{keyId}': {
        const keyId = event.pathParameters?.keyId ?? '';
        if (!isKeyId(keyId) || !(await deps.keys.revoke(keyId, deps.clock.now().toISOString()))) throw new NotFound('No such key');
        const revoked = await deps.keys.get(keyId);
        deps.logger.info('key revoked', { revokedKeyId: keyId });
        return json(200, { keyId, revokedAt: revoked?.revokedAt });
      }
      default:
        throw new NotFound('No such route');
    }
  };

export function makeKeysApiHandler(deps: KeysApiDeps) {
  return httpHandler(makeKeysApi(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
