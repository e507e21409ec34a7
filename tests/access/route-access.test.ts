import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeAccess } from '../../functions/access/route-access.generated';
import { generatedRouteAccess, generatedRouteAccessFile, securityGuideFile, withRouteScopesTable } from '../../lib/access/route-access-file';
import { routes } from '../../lib/functions';

describe('route scopes', () => {
  it('ships the route scopes generated from the registry that the authorizer decides by (run `npm run content`)', () => {
    expect(readFileSync(generatedRouteAccessFile, 'utf8')).toBe(generatedRouteAccess());
  });

  it('gives the authorizer a scope for every private route and none for a public one', () => {
    for (const route of routes) {
      expect([route.routeKey, routeAccess[route.routeKey]]).toEqual([route.routeKey, route.auth === 'public' ? undefined : route.auth]);
    }
  });

  it('lets the bootstrap admin token call the keys routes and no other', () => {
    const bootstrap = Object.entries(routeAccess).filter(([, access]) => access.bootstrap).map(([routeKey]) => routeKey);

    expect(bootstrap.sort()).toEqual(['DELETE /keys/{keyId}', 'GET /keys', 'POST /keys']);
  });

  it('documents every private route and its scope in docs/security.md (run `npm run content`)', () => {
    const guide = readFileSync(securityGuideFile, 'utf8');

    expect(guide).toBe(withRouteScopesTable(guide));
    for (const route of routes.filter((r) => r.auth !== 'public')) expect(guide).toContain(`| \`${route.routeKey}\` |`);
  });
});
