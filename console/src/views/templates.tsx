import type { Api } from '../api';
import { useResource } from '../api';
import type { ViewProps } from '../app';
import { EmailPreview } from '../components/email-preview';
import { Card, Loaded, Page, Table } from '../components/page';
import { useConsole } from '../context';
import { href } from '../router';

/** A template as `GET /templates` lists it, with the journey steps that send it. */
export interface TemplateSummary {
  readonly templateId: string;
  readonly subject: string;
  readonly topic?: string;
  readonly usedBy?: readonly { journeyId: string; stepId: string }[];
}

interface TemplateDetail {
  readonly templateId: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly sampleData: unknown;
}

/** `GET /templates`, whether it answers a list or `{ templates: [...] }`. */
export async function listOfTemplates(api: Api): Promise<TemplateSummary[]> {
  const answer = await api.get<TemplateSummary[] | { templates: TemplateSummary[] }>('/templates');
  return Array.isArray(answer) ? answer : answer.templates;
}

export function TemplatesView(_props: ViewProps) {
  const { api } = useConsole();
  const templates = useResource(() => listOfTemplates(api), []);
  return (
    <Page title="Templates">
      <p class="hint">
        Templates are files in <code>content/emails/</code>; the console shows them rendered with their sample data.
      </p>
      <Loaded resource={templates} label="Loading templates…">
        {(list) => (
          <Table
            caption="Email templates with the journey steps that send them"
            head={['Template', 'Subject', 'Topic', 'Used by']}
            rows={list.map((template) => [
              <a href={href(`/templates/${template.templateId}`)}>{template.templateId}</a>,
              template.subject,
              template.topic ?? 'transactional',
              template.usedBy?.length
                ? template.usedBy.map((use, index) => (
                    <>
                      {index ? ', ' : ''}
                      <a href={href(`/journeys/${use.journeyId}`)}>{use.journeyId}</a> ({use.stepId})
                    </>
                  ))
                : '–',
            ])}
          />
        )}
      </Loaded>
    </Page>
  );
}

export function TemplateView(props: ViewProps) {
  const { api } = useConsole();
  const id = props.params.templateId!;
  const template = useResource(() => api.get<TemplateDetail>(`/templates/${encodeURIComponent(id)}`), [id]);
  return (
    <Page title={`Template ${id}`}>
      <Loaded resource={template} label="Loading the template…">
        {(data) => (
          <>
            <Card title="Preview" id="preview">
              <EmailPreview subject={data.subject} html={data.html} text={data.text} />
            </Card>
            <Card title="Sample data" id="sample-data">
              <p class="hint">The preview is rendered with this data.</p>
              <pre>{JSON.stringify(data.sampleData, null, 2)}</pre>
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}
