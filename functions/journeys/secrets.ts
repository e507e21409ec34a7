import { secretToken, staticToken, type TokenSource } from '../shared/admin-auth';

/** A secret from Secrets Manager in AWS (`<NAME>_SECRET_ARN`), or its value locally (`<NAME>`). */
export function secretFrom(env: Readonly<Record<string, string | undefined>>, name: string): TokenSource {
  const arn = env[`${name}_SECRET_ARN`];
  if (arn) return secretToken(arn);
  const value = env[name];
  if (!value || value.length < 16) throw new Error(`Invalid environment: ${name}_SECRET_ARN or ${name} (16+ characters) is required`);
  return staticToken(value);
}
