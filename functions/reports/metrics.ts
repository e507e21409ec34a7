/** Reads daily counters. Declared apart from its DynamoDB adapter, like every port. */
export interface Metrics {
  /** The count of `metric` on every day from `from` to `to` (inclusive, `yyyy-mm-dd`) that has one, shards summed. */
  daily(metric: string, from: string, to: string): Promise<Map<string, number>>;
  /**
   * Every counter of `metric`'s items from `from` to `to` (inclusive; `SK` order, so a gauge's `current` too when
   * in range), shards summed (`shardsOf(metric)`): day → counter name → value. Also counts the items read.
   */
  counters(metric: string, from: string, to: string): Promise<Map<string, Record<string, number>>>;
  /**
   * Every counter of a per-value metric's items (one per day and value, `keys.metricValue`) from `from` to `to`
   * (inclusive), shards summed: day → value → counter name → value. Also counts the items read.
   */
  byValue(metric: string, from: string, to: string): Promise<Map<string, Map<string, Record<string, number>>>>;
}
