import type { GetSecretValueCommand} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { secretToken } from '../../functions/shared/admin-auth';

/** Secrets Manager has no local stand-in: a fake client, used only to inject its answers and faults. */
function fakeSecrets(answers: (() => Promise<{ SecretString?: string }>)[]) {
  const calls: unknown[] = [];
  const client = {
    send: async (command: GetSecretValueCommand) => {
      calls.push(command.input);
      const next = answers.shift();
      if (!next) throw new Error('unexpected call');
      return next();
    },
  } as unknown as SecretsManagerClient;
  return { client, calls };
}

describe('admin token from Secrets Manager', () => {
  it('reads the secret once per cold start, however many requests follow', async () => {
    const { client, calls } = fakeSecrets([async () => ({ SecretString: 'token-from-secret-123456' })]);
    const token = secretToken('arn:aws:secretsmanager:eu-west-1:1:secret:admin', client);

    const values = await Promise.all([token(), token(), token()]);

    expect(values).toEqual(Array(3).fill('token-from-secret-123456'));
    expect(calls).toEqual([{ SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:admin' }]);
  });

  it('tries again on the next request after a failed read instead of caching the failure', async () => {
    const { client } = fakeSecrets([
      async () => {
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      },
      async () => ({ SecretString: 'token-after-retry-123456' }),
    ]);
    const token = secretToken('admin', client);

    await expect(token()).rejects.toThrow('throttled');
    expect(await token()).toBe('token-after-retry-123456');
  });

  it('refuses a secret without a string value', async () => {
    const { client } = fakeSecrets([async () => ({})]);

    await expect(secretToken('admin', client)()).rejects.toThrow('no string value');
  });
});
