import type { FormDefinition } from './domain/form-definition';

/**
 * The forms, each also accepting posts from the environment's site origins (nurture.config.yaml
 * `forms.allowedOrigins`, passed as `FORM_ALLOWED_ORIGINS`, comma-separated): a form file lists where it is embedded,
 * the environment lists the operator's own sites, and a prod deploy needs no edit to every form file.
 */
export function withSiteOrigins(forms: ReadonlyMap<string, FormDefinition>, siteOrigins: string | undefined): ReadonlyMap<string, FormDefinition> {
  const extra = (siteOrigins ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  if (extra.length === 0) return forms;
  return new Map(
    [...forms].map(([id, form]) => [id, { ...form, allowedOrigins: [...new Set([...form.allowedOrigins, ...extra])] }]),
  );
}
