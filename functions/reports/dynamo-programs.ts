import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/keys';
import { queryAll } from '../shared/query';
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
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.program('').PK },
    });
    return items.flatMap((item) => {
      const parsed = ProgramSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async put(program: Program): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.program(program.id), ...program } }));
  }
}
