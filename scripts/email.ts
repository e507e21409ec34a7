import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileEmails, generatedModule, moduleSource } from '../lib/email/compile-templates';
import { TemplateRenderer } from '../functions/email/domain/render';
import { sampleContext } from '../functions/email/samples';

/**
 * `npm run email -- <command>`:
 * - `build`: compiles content/email.yaml and content/emails/ into functions/email/generated/compiled.ts;
 * - `check`: fails when that module is out of date with the content;
 * - `preview <templateId> [--contact <json>] [--data <json>] [--out <dir>]`: writes the rendered
 *   `<templateId>.html` and `<templateId>.txt` (default directory `.local/email-preview`) and prints the subject.
 */
const [command, ...rest] = process.argv.slice(2);

switch (command) {
  case 'build': {
    const source = moduleSource(await compileEmails());
    mkdirSync(resolve(generatedModule, '..'), { recursive: true });
    writeFileSync(generatedModule, source);
    console.log(`wrote ${generatedModule}`);
    break;
  }
  case 'check': {
    const expected = moduleSource(await compileEmails());
    const actual = readFileSync(generatedModule, 'utf8');
    if (expected !== actual) {
      console.error('functions/email/generated/compiled.ts is out of date: run `npm run email -- build`');
      process.exit(1);
    }
    console.log('compiled emails are up to date');
    break;
  }
  case 'preview': {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { contact: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' } },
    });
    const templateId = positionals[0];
    if (!templateId) throw new Error('usage: npm run email -- preview <templateId> [--contact <json>] [--data <json>]');
    const renderer = new TemplateRenderer(await compileEmails());
    const context = sampleContext({
      ...(values.contact ? { contact: JSON.parse(values.contact) as Record<string, unknown> } : {}),
      ...(values.data ? { data: JSON.parse(values.data) as Record<string, unknown> } : {}),
    });
    const email = renderer.render(templateId, context);
    const out = resolve(values.out ?? join(import.meta.dirname, '../.local/email-preview'));
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${templateId}.html`), email.html);
    writeFileSync(join(out, `${templateId}.txt`), email.text);
    console.log(`Subject: ${email.subject}\nwrote ${join(out, `${templateId}.html`)}\nwrote ${join(out, `${templateId}.txt`)}`);
    break;
  }
  default:
    console.error('usage: npm run email -- build | check | preview <templateId> [--contact <json>] [--data <json>] [--out <dir>]');
    process.exit(2);
}
