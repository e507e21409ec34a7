/** Reads daily counters. Declared apart from its DynamoDB adapter, like every port. */
export interface Metrics {
  /** The count of `metric` on every day from `from` to `to` (inclusive, `yyyy-mm-dd`) that has one, shards summed. */
  daily(metric: string, from: string, to: string): Promise<Map<string, number>>;
}
