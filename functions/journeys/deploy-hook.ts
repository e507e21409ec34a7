import * as z from 'zod';
import type { Logger } from '../shared/logger';

/** A CloudFormation custom resource request, the fields answered with. */
export const CloudFormationRequest = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.url(),
  StackId: z.string().min(1),
  RequestId: z.string().min(1),
  LogicalResourceId: z.string().min(1),
  PhysicalResourceId: z.string().optional(),
});
export type CloudFormationRequest = z.infer<typeof CloudFormationRequest>;

/**
 * Runs `work` for a custom resource's Create and Update (nothing for Delete) and answers CloudFormation at the
 * request's presigned URL. Written by hand because the function answers for itself (CDK's provider framework would add
 * a function and a role). Always SUCCESS: a migration that fails must not roll a deploy back; the migrator's schedule
 * tries again, and the failure is logged.
 */
export async function answerDeploy(request: CloudFormationRequest, work: () => Promise<unknown>, logger: Logger): Promise<void> {
  let reason = 'nothing to do on delete';
  if (request.RequestType !== 'Delete') {
    try {
      await work();
      reason = 'journey versions applied';
    } catch (error) {
      logger.error('journey versions could not be applied at deploy; the schedule tries again', { error });
      reason = 'journey versions not applied at deploy (see the function log); the schedule tries again within 15 minutes';
    }
  }
  const body = JSON.stringify({
    Status: 'SUCCESS',
    Reason: reason,
    PhysicalResourceId: request.PhysicalResourceId ?? 'nurture-journey-versions',
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
  });
  // The presigned URL is signed for an empty content type.
  const response = await fetch(request.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body });
  if (!response.ok) throw new Error(`CloudFormation refused the answer: HTTP ${response.status}`);
}
