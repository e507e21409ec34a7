import { requireAccess } from '../access/authorizer-context';
import { BadRequest, ValidationFailed, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { ProgramCosts } from './domain/programs';
import type { Programs } from './reports';


export interface PutProgramCostsDeps {
  readonly programs: Programs;
  readonly logger: Logger;
}

/** `PUT /programs/{id}/costs`: sets a program's costs (replacing them) and what its MQLs are attributed by. */
export const makePutProgramCosts =
  (deps: PutProgramCostsDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const id = event.pathParameters?.id ?? '';
    if (!/^[a-z0-9][a-z0-9_-]{0,99}$/.test(id)) throw new BadRequest('A program id is lower-case letters, digits, - and _');
    let body: unknown;
    try {
      body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? ''));
    } catch {
      throw new BadRequest('The body must be JSON');
    }
    const parsed = ProgramCosts.safeParse(body);
    if (!parsed.success) throw new ValidationFailed(fieldErrors(parsed.error));
    const program = { id, ...parsed.data };
    await deps.programs.put(program);
    return json(200, program);
  };

export function makePutProgramCostsHandler(deps: PutProgramCostsDeps) {
  return httpHandler(makePutProgramCosts(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
