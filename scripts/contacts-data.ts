import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LOCAL_API_KEY } from '../local/settings';

/**
 * `npm run contacts -- export <contactId|email> [--out file.json]`: everything held about a person, as JSON
 * (`GET /contacts/{contactId}/export`). `npm run contacts -- erase <contactId|email>`: erases the person
 * (`DELETE /contacts/{contactId}`) and prints the outcome, the CRM record to delete there included.
 *
 * Calls the HTTP API of `npm start` (`http://127.0.0.1:$PORT`, 3000 by default) with the API key in `NURTURE_API_KEY`
 * (the local development key unless set). Against AWS: `--url https://<api>` (or `NURTURE_API_URL`) and a key in
 * `NURTURE_API_KEY` with the scopes `contacts:read` (export, and looking an email up) and `contacts:erase` (erase).
 * An email is first looked up with `GET /contacts?email=…`.
 */
export const exportUsage = 'Usage: npm run contacts -- export <contactId|email> [--out file.json] [--url <api>]';
export const eraseUsage = 'Usage: npm run contacts -- erase <contactId|email> [--url <api>]';

class CallFailed extends Error {}

function client(url: string | undefined, env: NodeJS.ProcessEnv) {
  const base = (url ?? env.NURTURE_API_URL ?? `http://127.0.0.1:${env.PORT ?? '3000'}`).replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${env.NURTURE_API_KEY ?? LOCAL_API_KEY}`, accept: 'application/json' };
  /** The API's answer as JSON, or CallFailed with its status and message (never a stack trace). */
  async function call(method: string, path: string): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { method, headers });
    } catch {
      throw new CallFailed(`Cannot reach ${base}: is \`npm start\` running (PORT=${env.PORT ?? '3000'})?`);
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw new CallFailed(`${method} ${path}: ${response.status} ${String(body.message ?? body.error ?? response.statusText)}`);
    return body;
  }
  async function contactIdOf(target: string): Promise<string> {
    if (!target.includes('@')) return target;
    const found = await call('GET', `/contacts?email=${encodeURIComponent(target)}&limit=1`);
    return String((found.contact as { contactId: string }).contactId);
  }
  return { call, contactIdOf };
}

function parse(args: readonly string[], usage: string, withOut: boolean) {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { url: { type: 'string' }, ...(withOut ? { out: { type: 'string' } } : {}) },
    });
    if (positionals.length !== 1) throw new Error('one contact id or email');
    return { target: positionals[0]!, url: values.url, out: (values as { out?: string }).out };
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return undefined;
  }
}

async function reported(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (error) {
    if (error instanceof CallFailed) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

export async function exportCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parse(args, exportUsage, true);
  if (!parsed) return 2;
  const api = client(parsed.url, env);
  return reported(async () => {
    const contactId = await api.contactIdOf(parsed.target);
    const exported = JSON.stringify(await api.call('GET', `/contacts/${encodeURIComponent(contactId)}/export`), null, 2);
    if (parsed.out) {
      await writeFile(parsed.out, `${exported}\n`, { mode: 0o600 });
      console.error(`Wrote the export of ${contactId} to ${parsed.out}`);
    } else {
      process.stdout.write(`${exported}\n`);
    }
  });
}

export async function eraseCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parse(args, eraseUsage, false);
  if (!parsed) return 2;
  const api = client(parsed.url, env);
  return reported(async () => {
    const contactId = await api.contactIdOf(parsed.target);
    const outcome = await api.call('DELETE', `/contacts/${encodeURIComponent(contactId)}`);
    console.log(JSON.stringify(outcome, null, 2));
    const crm = outcome.crm as { provider: string; crmId: string; deleted?: boolean } | undefined;
    if (crm && !crm.deleted) console.error(`Delete the record there too: ${crm.provider} ${crm.crmId} (the CRM settings do not ask Nurture to).`);
  });
}
