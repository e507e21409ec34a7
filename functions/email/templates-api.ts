import { requireAccess } from '../access/authorizer-context';
import type { Journey } from '../journeys/domain/journey-file';
import { NotFound, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import type { TemplateRenderer } from './domain/render';
import { sampleContext, sampleData } from './samples';

export interface TemplatesApiDeps {
  readonly renderer: TemplateRenderer;
  readonly journeys: ReadonlyMap<string, Journey>;
  readonly logger: Logger;
}

/**
 * `GET /templates` (every compiled template with its subject, topic and the journey steps that send it) and
 * `GET /templates/{templateId}` (rendered with the shipped sample contact and data, by the send's renderer; its
 * unsubscribe and preference links point at a sample token, which no real contact's link matches).
 */
export const makeTemplatesApi =
  (deps: TemplatesApiDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    if (event.routeKey === 'GET /templates') {
      return json(200, { templates: deps.renderer.ids().sort().map((id) => summary(deps, id)) });
    }
    const id = event.pathParameters?.templateId ?? '';
    if (!deps.renderer.has(id)) throw new NotFound(`There is no email template "${id.slice(0, 100)}"`);
    const context = sampleContext();
    const rendered = deps.renderer.render(id, context);
    return json(200, { ...summary(deps, id), subject: rendered.subject, html: rendered.html, text: rendered.text, sampleData: { contact: context.contact, data: sampleData } });
  };

function summary(deps: TemplatesApiDeps, templateId: string) {
  const meta = deps.renderer.meta(templateId);
  const usedBy = [...deps.journeys.values()].flatMap((journey) =>
    journey.steps.flatMap((step) => (step.type === 'send_email' && step.template === templateId ? [{ journeyId: journey.id, stepId: step.id }] : [])),
  );
  return {
    templateId,
    name: meta.name,
    kind: meta.kind,
    subject: meta.subject,
    ...(meta.kind === 'marketing' ? { topic: meta.topic } : {}),
    tracking: meta.tracking,
    usedBy,
  };
}

export function makeTemplatesApiHandler(deps: TemplatesApiDeps) {
  return httpHandler(makeTemplatesApi(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
