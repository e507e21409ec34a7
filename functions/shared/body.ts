import { Buffer } from 'node:buffer';
import { BadRequest, HttpError, PayloadTooLarge, header, type HttpEvent } from './http';

export { PayloadTooLarge };

/** Field values as they arrive, before a form schema gives them meaning. */
export type RawFields = Record<string, unknown>;

export type BodyKind = 'json' | 'urlencoded' | 'multipart';

export class UnsupportedMediaType extends HttpError {
  override name = 'UnsupportedMediaType';
  constructor(contentType: string | undefined) {
    super(
      415,
      'unsupported_media_type',
      `Content type ${contentType ? `"${contentType}"` : '(none)'} is not accepted; send application/x-www-form-urlencoded, multipart/form-data or application/json`,
    );
  }
}

/**
 * The body of a request that must be of one media type, as text: 415 naming what to send for another type, 413
 * over `maxBytes`.
 */
export function bodyOfType(event: HttpEvent, mediaType: string, maxBytes: number, whatToSend: string): string {
  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== mediaType) throw new HttpError(415, 'unsupported_media_type', whatToSend);
  const bytes = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLarge(maxBytes);
  return bytes.toString('utf8');
}

/**
 * Reads a form-like body (urlencoded, multipart fields, or a JSON object) into raw fields. Repeated keys become
 * arrays; multipart file parts are ignored because forms declare fields only.
 */
export async function readFields(event: HttpEvent, maxBytes: number): Promise<{ kind: BodyKind; fields: RawFields }> {
  const contentType = header(event, 'content-type');
  const kind = bodyKind(contentType);
  if (!kind) throw new UnsupportedMediaType(contentType);

  const bytes = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLarge(maxBytes);

  switch (kind) {
    case 'json':
      return { kind, fields: parseJsonObject(bytes.toString('utf8')) };
    case 'urlencoded':
      return { kind, fields: collect(new URLSearchParams(bytes.toString('utf8'))) };
    case 'multipart':
      return { kind, fields: await parseMultipart(bytes, contentType!) };
  }
}

export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  switch (mediaType) {
    case 'application/json':
      return 'json';
    case 'application/x-www-form-urlencoded':
      return 'urlencoded';
    case 'multipart/form-data':
      return 'multipart';
    default:
      return undefined;
  }
}

function parseJsonObject(text: string): RawFields {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest('The body is not valid JSON', 'malformed_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequest('The JSON body must be an object of field names to values', 'malformed_json');
  }
  return value as RawFields;
}

async function parseMultipart(bytes: Buffer, contentType: string): Promise<RawFields> {
  let form: FormData;
  try {
    // undici's multipart parser ships with Node: no dependency in the bundle.
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new BadRequest('The multipart body could not be parsed', 'malformed_multipart');
  }
  const fields = new Map<string, string[]>();
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') continue;
    fields.set(name, [...(fields.get(name) ?? []), value]);
  }
  return flatten(fields);
}

function collect(params: URLSearchParams): RawFields {
  const fields = new Map<string, string[]>();
  for (const [name, value] of params) fields.set(name, [...(fields.get(name) ?? []), value]);
  return flatten(fields);
}

function flatten(fields: Map<string, string[]>): RawFields {
  return Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
}
