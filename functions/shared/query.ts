import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Every item a Query matches, following `LastEvaluatedKey` page by page (the SDK's paginator). */
export async function queryAll(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  // The paginator writes the page token into the input it is given, so it gets a copy of the caller's.
  for await (const page of paginateQuery({ client: db }, { ...input })) items.push(...(page.Items ?? []));
  return items;
}
