import { useEffect, useState } from 'preact/hooks';

/** Every path of the console lives under this prefix (Vite's `base`). */
export const BASE = '/console';

/** The console's place: its path below `/console` (`/contacts/01J…`) and its query. */
export interface Place {
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Place {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path: path.length > 1 ? path.replace(/\/$/, '') : path, query: new URLSearchParams(location.search) };
}

/** The href of a console path, e.g. `href('/contacts', { q: 'ada' })`. */
export function href(path: string, query?: Record<string, string | undefined>): string {
  const search = new URLSearchParams(Object.entries(query ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const text = search.toString();
  return `${BASE}${path === '/' ? '/' : path}${text ? `?${text}` : ''}`;
}

/** Moves to a console path without reloading (history.pushState), or replaces the current entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('console:navigate'));
}

/** The current place, re-rendering on navigation (links, back and forward). */
export function usePlace(): Place {
  const [place, setPlace] = useState(current);
  useEffect(() => {
    const update = () => setPlace(current());
    window.addEventListener('popstate', update);
    window.addEventListener('console:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('console:navigate', update);
    };
  }, []);
  return place;
}

/** The parameters of `pattern` (`/contacts/:id`) in `path`, or undefined when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const source = pattern.replace(/:([a-zA-Z]+)/g, (_all, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const found = new RegExp(`^${source}$`).exec(path);
  if (!found) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1]!)]));
}

/** Same-origin link clicks move within the app instead of reloading it. */
export function interceptLinks(): void {
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    if (!anchor.pathname.startsWith(BASE)) return;
    event.preventDefault();
    navigate(anchor.pathname + anchor.search);
  });
}
