import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDeploy, type CloudFormationRequest } from '../../functions/journeys/deploy-hook';
import { createLogger } from '../../functions/shared/logger';

/** A stand-in for CloudFormation's presigned response URL (an S3 PUT): records each answer. */
let server: Server;
let url = '';
const answers: { method: string; contentType: string | undefined; body: Record<string, unknown> }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      answers.push({ method: req.method ?? '', contentType: req.headers['content-type'], body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/response?X-Amz-Signature=abc`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const request = (type: CloudFormationRequest['RequestType']): CloudFormationRequest => ({
  RequestType: type,
  ResponseURL: url,
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Nurture/1',
  RequestId: `req-${type}-${answers.length}`,
  LogicalResourceId: 'JourneysMigrateAfterDeploy',
  ...(type === 'Create' ? {} : { PhysicalResourceId: 'nurture-journey-versions' }),
});
const logger = createLogger('deploy-hook-test');

describe('the journey migrator answering a deploy', () => {
  it('migrates on create and update, then answers SUCCESS with the request ids at the presigned URL', async () => {
    let runs = 0;
    const update = request('Update');

    await answerDeploy(update, async () => (runs += 1), logger);

    expect(runs).toBe(1);
    expect(answers.at(-1)).toEqual({
      method: 'PUT',
      contentType: '',
      body: { Status: 'SUCCESS', Reason: 'journey versions applied', PhysicalResourceId: 'nurture-journey-versions', StackId: update.StackId, RequestId: update.RequestId, LogicalResourceId: update.LogicalResourceId },
    });
  });

  it('still answers SUCCESS when the migration fails, so a deploy is never rolled back for it (the schedule tries again)', async () => {
    await answerDeploy(request('Create'), async () => Promise.reject(new Error('throttled')), logger);

    expect(answers.at(-1)?.body).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringContaining('the schedule tries again') });
  });

  it('does nothing but answer when the stack deletes the resource', async () => {
    let runs = 0;

    await answerDeploy(request('Delete'), async () => (runs += 1), logger);

    expect(runs).toBe(0);
    expect(answers.at(-1)?.body).toMatchObject({ Status: 'SUCCESS', Reason: 'nothing to do on delete' });
  });
});
