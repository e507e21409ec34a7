/**
 * `npm run contacts -- export <contactId|email> [--out file.json]`: everything held about a person, as JSON
 * (`GET /contacts/{contactId}/export`). `npm run contacts -- erase <contactId|email>`: erases the person
 * (`DELETE /contacts/{contactId}`) and prints the outcome, the CRM record to delete there included.
 *
 * Calls the HTTP API of `npm start` (`http://127.0.0.1:$PORT`, 3000 by default) with `NURTURE_ADMIN_TOKEN` (the
 * local default unless set). Against AWS: `--url https://<api>` (or `NURTURE_API_URL`) and the deployed admin token
 * in `NURTURE_ADMIN_TOKEN`. An email is first looked up with `GET /contacts?email=…`.
 */
import { writeFile } from 'node:fs/promises';

const [command, target, ...rest] = process.argv.slice(2);
const flag = (name: string) => {
  const at = rest.indexOf(`--${name}`);
  return at >= 0 ? rest[at + 1] : undefined;
};
if ((command !== 'export' && command !== 'erase') || !target) {
  console.error('Usage: npm run contacts -- export <contactId|email> [--out file.json] [--url <api>]\n       npm run contacts -- erase <contactId|email> [--url <api>]');
  process.exit(2);
}
const base = (flag('url') ?? process.env.NURTURE_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`).replace(/\/+$/, '');
const headers = { authorization: `Bearer ${process.env.NURTURE_ADMIN_TOKEN ?? 'local-admin-token'}`, accept: 'application/json' };

/** The API's answer as JSON, or an exit with its status and message (never a stack trace). */
async function call(method: string, path: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers });
  } catch {
    console.error(`Cannot reach ${base}: is \`npm start\` running (PORT=${process.env.PORT ?? '3000'})?`);
    process.exit(1);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    console.error(`${method} ${path}: ${response.status} ${String(body.message ?? body.error ?? response.statusText)}`);
    process.exit(1);
  }
  return body;
}

const contactId = target.includes('@')
  ? String(((await call('GET', `/contacts?email=${encodeURIComponent(target)}&limit=1`)).contact as { contactId: string }).contactId)
  : target;

if (command === 'export') {
  const exported = JSON.stringify(await call('GET', `/contacts/${encodeURIComponent(contactId)}/export`), null, 2);
  const out = flag('out');
  if (out) {
    await writeFile(out, `${exported}\n`, { mode: 0o600 });
    console.error(`Wrote the export of ${contactId} to ${out}`);
  } else {
    process.stdout.write(`${exported}\n`);
  }
} else {
  const outcome = await call('DELETE', `/contacts/${encodeURIComponent(contactId)}`);
  console.log(JSON.stringify(outcome, null, 2));
  const crm = outcome.crm as { provider: string; crmId: string } | undefined;
  if (crm) console.error(`Delete the record there too: ${crm.provider} ${crm.crmId} (Nurture does not call the CRM).`);
}
