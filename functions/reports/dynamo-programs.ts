import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/keys';
import { ProgramSchema } from './domain/programs';
import type { Programs } from './reports';
import type { Program } from './domain/reports';

/** Programs and their costs: one partition (`PROGRAMS`), one item per program, listed with one Query. */
export class DynamoPrograms implements Programs {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<Program[]> {
    const programs: Program[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': keys.program('').PK },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const parsed = ProgramSchema.safeParse(item);
        if (parsed.success) programs.push(parsed.data);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return programs;
  }

  async put(program: Program): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.program(program.id), ...program } }));
  }
}
