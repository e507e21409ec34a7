import { describe, expect, it } from 'vitest';
import { loadForms } from '../../functions/forms/domain/form-definition';
import { forms } from '../../functions/forms/forms';

const validForm = (overrides: Record<string, unknown> = {}) => ({
  id: 'webinar',
  name: 'Webinar registration',
  fields: [{ name: 'email', type: 'email', label: 'Email', required: true }],
  redirectUrl: '/thanks',
  ...overrides,
});

describe('form files', () => {
  it('ships the demo-request form with the fields landing pages post', () => {
    const demo = forms.get('demo-request');

    expect(demo?.fields.map((field) => field.name)).toEqual([
      'email',
      'first_name',
      'last_name',
      'company',
      'job_title',
      'budget',
      'company_size',
      'phone',
      'country',
      'marketing_consent',
    ]);
    expect(demo?.fields.find((field) => field.name === 'budget')?.type).toBe('number');
  });

  it('fills in defaults: optional fields, text limits, no allowed origins', () => {
    const form = loadForms({
      'w.json': validForm({ fields: [...validForm().fields, { name: 'note', type: 'text', label: 'Note' }] }),
    }).get('webinar');

    expect(form?.fields[1]).toEqual({ name: 'note', type: 'text', label: 'Note', required: false, maxLength: 200 });
    expect(form?.allowedOrigins).toEqual([]);
  });

  it('rejects a form without a required email field, naming the file', () => {
    expect(() =>
      loadForms({ 'broken.json': validForm({ fields: [{ name: 'name', type: 'text', label: 'Name' }] }) }),
    ).toThrow(/broken\.json.*exactly one field of type "email"/);
  });

  it('rejects duplicate field names, unknown properties and typos in types', () => {
    const email = { name: 'email', type: 'email', label: 'Email', required: true };
    expect(() => loadForms({ 'a.json': validForm({ fields: [email, email] }) })).toThrow(/duplicate field "email"/);
    expect(() => loadForms({ 'b.json': validForm({ colour: 'red' }) })).toThrow(/b\.json/);
    expect(() => loadForms({ 'c.json': validForm({ fields: [email, { name: 'x', type: 'numbr', label: 'X' }] }) })).toThrow(
      /c\.json/,
    );
  });

  it('rejects origins with paths, redirects that are not URLs or paths, and reserved utm_ names', () => {
    expect(() => loadForms({ 'a.json': validForm({ allowedOrigins: ['https://x.com/page'] }) })).toThrow(/origin/);
    expect(() => loadForms({ 'b.json': validForm({ redirectUrl: '//evil.example' }) })).toThrow(/redirect/);
    const utm = { name: 'utm_source', type: 'text', label: 'Source' };
    expect(() => loadForms({ 'c.json': validForm({ fields: [...validForm().fields, utm] }) })).toThrow(/reserved/);
  });

  it('rejects two files declaring the same form id', () => {
    expect(() => loadForms({ 'a.json': validForm(), 'b.json': validForm() })).toThrow(/declared twice \(b\.json\)/);
  });
});
