import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Calls `each` for every contact profile in the table, one at a time within each of `segments` parallel scan
 * segments. For operator jobs only (rescore, reindex): a request never scans.
 */
export async function forEachProfile(
  db: DynamoDBDocumentClient,
  tableName: string,
  segments: number,
  each: (item: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const pages = paginateScan(
        { client: db },
        { TableName: tableName, Segment: segment, TotalSegments: segments, FilterExpression: 'SK = :profile', ExpressionAttributeValues: { ':profile': 'PROFILE' } },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) await each(item);
      }
    }),
  );
}
