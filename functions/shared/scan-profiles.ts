import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Calls `each` for every contact profile in the table, one at a time within each of `segments` parallel scan
 * segments. For operator jobs (rescore, reindex) and the bounded segment preview: no other request scans. When
 * `stop` says so, no further page is read and no further profile is handed on; the answer is then partial.
 */
export async function forEachProfile(
  db: DynamoDBDocumentClient,
  tableName: string,
  segments: number,
  each: (item: Record<string, unknown>) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const pages = paginateScan(
        { client: db },
        { TableName: tableName, Segment: segment, TotalSegments: segments, FilterExpression: 'SK = :profile', ExpressionAttributeValues: { ':profile': 'PROFILE' } },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          if (stop()) return;
          await each(item);
        }
        if (stop()) return;
      }
    }),
  );
}
