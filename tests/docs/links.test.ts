import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const docs = join(root, 'docs');

/** The pages whose links are checked: the README and every page under docs/. */
const pages = [join(root, 'README.md'), ...readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => join(docs, name))];

/** A page's lines with fenced code blocks and HTML comments blanked, so a `#` comment or a `[x](y)` in code counts for nothing. */
function proseLines(file: string): string[] {
  let fence: string | undefined;
  let comment = false;
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence !== undefined) {
        if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
        return '';
      }
      if (marker !== undefined) {
        fence = marker;
        return '';
      }
      if (comment) {
        if (line.includes('-->')) comment = false;
        return '';
      }
      if (line.includes('<!--') && !line.includes('-->')) comment = true;
      return line.replace(/<!--.*?-->/g, '');
    });
}

/**
 * The anchor GitHub gives a heading (github-slugger): the rendered text lower-cased, every character that is not a
 * letter, mark, number, connector, space or hyphen dropped, spaces turned into hyphens.
 */
function slug(heading: string): string {
  const rendered = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page's headings make; a repeated heading gets `-1`, `-2`, … as on GitHub. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of proseLines(file)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

interface Link {
  readonly where: string;
  readonly target: string;
}

/** The relative links and `#anchor`s of a page (inline and reference-style), code spans and URLs with a scheme left out. */
function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  proseLines(file).forEach((line, index) => {
    const where = `${relative(root, file)}:${index + 1}`;
    const prose = line.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((match) => match[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ where, target });
    }
  });
  return links;
}

/** Why a link does not resolve, or undefined when its file exists and its anchor is one of that file's headings. */
function brokenBecause(file: string, target: string): string | undefined {
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
  if (!existsSync(destination)) return `no file ${relative(root, destination)}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(destination).isDirectory() || !destination.endsWith('.md')) return `#${anchor} points into a file that is not Markdown`;
  return anchors(destination).has(decodeURIComponent(anchor).toLowerCase()) ? undefined : `no heading #${anchor} in ${relative(root, destination)}`;
}

describe('documentation links', () => {
  it('makes GitHub anchors from headings as GitHub does', () => {
    expect(slug('The journeys API (admin token)')).toBe('the-journeys-api-admin-token');
    expect(slug('`POST /forms/{formId}`, `GET /forms/{formId}/config`, `GET /embed.js` (public)')).toBe(
      'post-formsformid-get-formsformidconfig-get-embedjs-public',
    );
    expect(slug('Scoring, stages and CRM')).toBe('scoring-stages-and-crm');
  });

  it('reports a missing file and a missing heading, and accepts a heading of the same page', () => {
    const readme = join(root, 'README.md');
    expect(brokenBecause(readme, 'docs/no-such-page.md')).toBe('no file docs/no-such-page.md');
    expect(brokenBecause(readme, 'docs/forms.md#no-such-heading')).toBe('no heading #no-such-heading in docs/forms.md');
    expect(brokenBecause(readme, 'docs/forms.md#embed-snippet')).toBeUndefined();
    expect(brokenBecause(readme, '#documentation')).toBeUndefined();
  });

  it('finds the README and the docs pages', () => {
    expect(pages.map((file) => relative(root, file))).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/architecture.md']));
  });

  it.each(pages.map((file) => [relative(root, file), file] as const))('every relative link and #anchor in %s resolves', (_name, file) => {
    const broken = relativeLinks(file).flatMap(({ where, target }) => {
      const reason = brokenBecause(file, target);
      return reason === undefined ? [] : [`${where} ${target}: ${reason}`];
    });
    expect(broken).toEqual([]);
  });

  it('lists every docs page in the index, docs/README.md', () => {
    const indexed = new Set(relativeLinks(join(docs, 'README.md')).map(({ target }) => target.split('#')[0]));
    const missing = pages.filter((file) => dirname(file) === docs && !file.endsWith('README.md')).map((file) => relative(docs, file)).filter((name) => !indexed.has(name));
    expect(missing).toEqual([]);
  });
});
