/**
 * The import bucket's layout, read by the import function, its registry entry (trigger and grants) and the local
 * runtime alike: files are dropped under {@link IMPORTS_PREFIX}, their reports written under {@link REPORTS_PREFIX}.
 * Plain constants, so the registry (imported by every Lambda bundle) stays small.
 */
export const IMPORTS_PREFIX = 'imports/';
export const REPORTS_PREFIX = 'reports/';
