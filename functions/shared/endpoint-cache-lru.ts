/**
 * Stands in for `mnemonist/lru-cache` in functions that bundle the AWS SDK (`bundleAwsSdk`, see
 * lib/shared/nurture-function.ts): the DynamoDB client builds the endpoint-discovery cache (`@aws-sdk/endpoint-cache`)
 * at construction, and mnemonist's typed-array LRU with its iterator helpers is about 7 KB of the bundle. A Map keeps
 * insertion order, which is all a least-recently-used cache needs. Only the methods that cache calls.
 */
export default class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** The value, its recency unchanged. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Stores the value as the most recently used, evicting the least recently used beyond the capacity. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return this;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
