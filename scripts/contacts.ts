import { eraseCommand, eraseUsage, exportCommand, exportUsage } from './contacts-data';
import { importCommand, importUsage } from './contacts-import';

/**
 * `npm run contacts -- <command>`: operator commands on contacts, each in its own module.
 * - `import <file.csv|file.ndjson>`: scripts/contacts-import.ts.
 * - `export <contactId|email>` and `erase <contactId|email>`: scripts/contacts-data.ts.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const commands: Readonly<Record<string, { run: (args: readonly string[]) => Promise<number>; usage: string }>> = {
  import: { run: importCommand, usage: importUsage },
  export: { run: exportCommand, usage: exportUsage },
  erase: { run: eraseCommand, usage: eraseUsage },
};

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  console.error(`Usage: npm run contacts -- <${Object.keys(commands).join('|')}> …\n\n${Object.values(commands).map((c) => c.usage).join('\n\n')}`);
  process.exit(2);
}
process.exitCode = await command.run(args);
