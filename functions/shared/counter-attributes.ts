/**
 * The attribute names of the daily counter items: a dimension path, its parts joined by `/`, each URI-encoded so a
 * `/` in an id stays one part. Shared by the reports that write them and the journeys API that reads email steps' numbers.
 */
export const attr = (...parts: readonly (string | number)[]): string => parts.map((part) => encodeURIComponent(String(part))).join('/');
export const parseAttr = (name: string): string[] => name.split('/').map((part) => decodeURIComponent(part));
