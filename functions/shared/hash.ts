/**
 * FNV-1a, 32 bits: a fast, stable, dependency-free hash for spreading keys (counter shards) and for decisions that
 * must come out the same on every run (random splits). Not for security.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A stable bucket in `[0, buckets)` for `text`. */
export function bucketOf(text: string, buckets: number): number {
  return fnv1a(text) % buckets;
}
