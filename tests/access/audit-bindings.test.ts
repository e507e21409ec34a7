import { describe, expect, it } from 'vitest';
import { definitionOf, routes } from '../../lib/functions';

describe('the audit trail and the registry', () => {
  it('lets every function serving a private route that changes something write its audit item (table PutItem)', () => {
    const writers = [...new Set(routes.filter((route) => route.auth !== 'public' && !route.routeKey.startsWith('GET ')).map((route) => route.function))];

    const missing = writers.filter((key) => !(definitionOf(key).bindings.table?.actions ?? []).includes('PutItem'));

    expect(writers.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });
});
