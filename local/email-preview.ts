import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TemplateRenderer } from '../functions/email/domain/render';
import { sampleContext } from '../functions/email/samples';
import { htmlSecurityHeaders } from '../functions/shared/security-headers';

/** An email's HTML shows the images it links, as a mail client would; nothing else loads. */
const EMAIL_PAGE = htmlSecurityHeaders({ imgSrc: ['https:', 'http:', 'data:'] });

/**
 * `GET /dev/emails` (an index) and `GET /dev/emails/{templateId}` (the template rendered with the sample contact;
 * `?part=text` for the text part), served by the local gateway only: never deployed.
 */
export function emailPreviewPages(renderer: TemplateRenderer): Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  const index = async (_req: IncomingMessage, res: ServerResponse) => {
    const items = renderer
      .ids()
      .map((id) => {
        const meta = renderer.meta(id);
        const kind = meta.kind === 'marketing' ? `marketing · ${meta.topic}` : 'transactional';
        return `<li><a href="/dev/emails/${id}">${id}</a> — ${escape(meta.name)} <small>(${kind}, <a href="/dev/emails/${id}?part=text">text</a>)</small></li>`;
      })
      .join('\n');
    send(res, 200, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><title>Email templates</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.6}</style>
<h1>Email templates</h1><p>Rendered with the sample contact of functions/email/samples.ts.</p><ul>${items}</ul>`);
  };
  const preview = (id: string) => async (req: IncomingMessage, res: ServerResponse) => {
    const email = renderer.render(id, sampleContext());
    const text = new URL(req.url ?? '/', 'http://local').searchParams.get('part') === 'text';
    if (text) return send(res, 200, 'text/plain; charset=utf-8', `Subject: ${email.subject}\n\n${email.text}`);
    send(res, 200, 'text/html; charset=utf-8', email.html);
  };
  return Object.fromEntries([['/dev/emails', index], ...renderer.ids().map((id) => [`/dev/emails/${id}`, preview(id)])]);
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...(type.startsWith('text/html') ? EMAIL_PAGE : {}) });
  res.end(body);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
