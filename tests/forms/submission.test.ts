import { describe, expect, it } from 'vitest';
import { loadForms, type FormDefinition } from '../../functions/forms/domain/form-definition';
import { checkSubmission } from '../../functions/forms/domain/submission';

const form: FormDefinition = loadForms({
  'test.json': {
    id: 'test',
    name: 'Every field type',
    fields: [
      { name: 'email', type: 'email', label: 'Email', required: true },
      { name: 'name', type: 'text', label: 'Name', maxLength: 5 },
      { name: 'about', type: 'textarea', label: 'About' },
      { name: 'budget', type: 'number', label: 'Budget', min: 0, max: 1000000 },
      { name: 'seats', type: 'number', label: 'Seats', integer: true },
      { name: 'plan', type: 'select', label: 'Plan', options: ['starter', 'pro'] },
      { name: 'consent', type: 'checkbox', label: 'Consent', required: true },
      { name: 'newsletter', type: 'checkbox', label: 'Newsletter' },
      { name: 'phone', type: 'tel', label: 'Phone' },
      { name: 'site', type: 'url', label: 'Website' },
    ],
    redirectUrl: '/thanks',
    honeypot: 'website',
  },
}).get('test')!;

const minimal = { email: 'a@example.com', consent: 'on' };

describe('checkSubmission', () => {
  it('coerces posted strings into typed values and drops blanks and undeclared fields', () => {
    const check = checkSubmission(form, {
      ...minimal,
      name: '  Ann ',
      about: '',
      budget: '$4,500',
      seats: '3',
      plan: 'pro',
      newsletter: 'false',
      phone: '+1 (555) 010-0000',
      site: 'https://ann.example',
      submit: 'Send',
    });

    expect(check).toEqual({
      type: 'Valid',
      submission: {
        email: 'a@example.com',
        fields: {
          email: 'a@example.com',
          name: 'Ann',
          budget: 4500,
          seats: 3,
          plan: 'pro',
          consent: true,
          newsletter: false,
          phone: '+1 (555) 010-0000',
          site: 'https://ann.example',
        },
        emailRole: false,
        utm: {},
        clickIds: {},
        consents: [],
        // `submit` (the button's name) was posted but is not declared: dropped, counted.
        unknownFields: 1,
      },
    });
  });

  it('accepts JSON numbers and booleans as they are', () => {
    const check = checkSubmission(form, { email: 'a@example.com', consent: true, budget: 250.5 });

    expect(check.type === 'Valid' && check.submission.fields).toMatchObject({ consent: true, budget: 250.5 });
  });

  it('names every problem, field by field', () => {
    const check = checkSubmission(form, {
      email: 'a@',
      name: 'Too long',
      budget: '-5',
      seats: '2.5',
      plan: 'enterprise',
      consent: '',
      phone: 'call me',
      site: 'ftp://x',
    });

    expect(check).toEqual({
      type: 'Invalid',
      errors: [
        { field: 'email', message: 'must be a valid email address' },
        { field: 'name', message: 'must be at most 5 characters' },
        { field: 'budget', message: 'must be at least 0' },
        { field: 'seats', message: 'must be a whole number' },
        { field: 'plan', message: 'must be one of: starter, pro' },
        { field: 'consent', message: 'must be checked' },
        { field: 'phone', message: 'must be a phone number' },
        { field: 'site', message: 'must be a web address starting with http:// or https://' },
      ],
    });
  });

  it('keeps the typo suggestion when other fields are invalid too', () => {
    const check = checkSubmission(form, { email: 'ada@gmial.com', budget: 'lots' });

    expect(check).toEqual({
      type: 'Invalid',
      suggestion: 'ada@gmail.com',
      errors: [
        { field: 'email', message: 'did you mean ada@gmail.com?' },
        { field: 'budget', message: 'must be a number' },
        { field: 'consent', message: 'must be checked' },
      ],
    });
  });

  it('says a required field is required when it is missing or blank', () => {
    expect(checkSubmission(form, { email: '   ', consent: 'on' })).toEqual({
      type: 'Invalid',
      errors: [{ field: 'email', message: 'is required' }],
    });
  });

  it('refuses a field posted twice with different values', () => {
    const check = checkSubmission(form, { ...minimal, name: ['Ann', 'Bob'] });

    expect(check).toEqual({ type: 'Invalid', errors: [{ field: 'name', message: 'must be a single value' }] });
  });

  it('takes UTM parameters from hidden fields first, then from the query string', () => {
    const check = checkSubmission(
      form,
      { ...minimal, utm_source: 'google', utm_campaign: ' ' },
      { utm_source: 'ignored', utm_medium: 'cpc' },
    );

    expect(check.type === 'Valid' && check.submission.utm).toEqual({ utm_source: 'google', utm_medium: 'cpc' });
  });

  it('refuses oversized campaign parameters', () => {
    const check = checkSubmission(form, { ...minimal, utm_content: 'x'.repeat(201) });

    expect(check).toMatchObject({ type: 'Invalid', errors: [{ field: 'utm_content' }] });
  });

  it('flags a filled honeypot as spam before anything else', () => {
    expect(checkSubmission(form, { email: 'broken', website: 'http://spam' })).toEqual({ type: 'Spam' });
    expect(checkSubmission(form, { ...minimal, website: '  ' }).type).toBe('Valid');
  });
});
