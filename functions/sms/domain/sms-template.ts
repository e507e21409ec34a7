import * as z from 'zod';
import { describeFieldErrors, fieldErrors } from '../../shared/validation';

/**
 * An SMS template (`content/sms/<id>.yaml`), as marketing writes it: one Liquid body, with the variables and
 * filters of email templates (`contact.*` with a `default`, `data.*`, `company.*`). Ids reach send records and the
 * timeline, so they are never renamed.
 */
export const SmsTemplateFile = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'template ids are lower-kebab-case, at most 64 characters'),
  name: z.string().min(1).max(200),
  description: z.string().max(2_000).optional(),
  /**
   * The text, Liquid. Ten parts at most once rendered; a GSM-7 text (plain Latin letters) fits 160 characters in one
   * part, 153 per part beyond; a single emoji or accented letter outside GSM-7 makes it UCS-2 (70, then 67).
   */
  body: z.string().min(1).max(1_600),
});
export type SmsTemplateFile = z.infer<typeof SmsTemplateFile>;

/** A template id that is not among the SMS templates. */
export class UnknownSmsTemplate extends Error {
  override name = 'UnknownSmsTemplate';
}

/** Parses SMS template files (by file name), failing with the file, the field and what is wrong. */
export function loadSmsTemplates(files: Readonly<Record<string, unknown>>): ReadonlyMap<string, SmsTemplateFile> {
  const templates = new Map<string, SmsTemplateFile>();
  for (const [file, content] of Object.entries(files)) {
    const parsed = SmsTemplateFile.safeParse(content);
    if (!parsed.success) throw new Error(`SMS template ${file} is invalid: ${describeFieldErrors(fieldErrors(parsed.error, '(template)'))}`);
    if (file !== `${parsed.data.id}.yaml` && file !== `${parsed.data.id}.yml`) {
      throw new Error(`SMS template ${file} declares id "${parsed.data.id}": name the file after its id`);
    }
    templates.set(parsed.data.id, parsed.data);
  }
  return templates;
}
