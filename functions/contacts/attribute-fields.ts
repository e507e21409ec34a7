import { emailSettings } from '../email/email-settings';
import type { FormDefinition } from '../forms/domain/form-definition';
import { forms } from '../forms/forms';
import type { FieldSpec } from '../shared/field-values';

/**
 * The typed attributes: every field the forms declare, by name, so an attribute sent to the contacts API is typed
 * and checked exactly as the form field of that name is (a budget is a number, a phone E.164, a country its ISO
 * code). The first form declaring a name wins; attributes no form declares are plain text, numbers or booleans.
 */
export function attributeFields(definitions: Iterable<FormDefinition> = forms.values()): ReadonlyMap<string, FieldSpec> {
  const fields = new Map<string, FieldSpec>();
  for (const form of definitions) {
    for (const field of form.fields) if (!fields.has(field.name)) fields.set(field.name, field);
  }
  return fields;
}

/** The email topics of content/email.yaml a consent may name (besides `all`). */
export const emailTopics: ReadonlySet<string> = new Set(emailSettings.topics.map((topic) => topic.id));
