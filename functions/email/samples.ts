import type { RenderContext } from './domain/render';

/**
 * The sample contact and data previews render with (`npm run email -- preview`, `GET /dev/emails/{id}` locally)
 * and the tests render every template with in strict mode: every variable a template uses must be here.
 */
export const sampleContact: Readonly<Record<string, unknown>> = {
  contact_id: '01HSAMPLECONTACT0000000000',
  email: 'ada@example.com',
  first_name: 'Ada',
  last_name: 'Lovelace',
  company: 'Analytical Engines Ltd',
  budget: 4500,
  time_zone: 'Europe/London',
};

export const sampleData: Readonly<Record<string, unknown>> = {
  case_study_company: 'Northwind',
  cart_url: 'https://www.example.com/cart?id=sample',
  days_left: 3,
  month: 'June 2026',
  topic_label: 'Guides and offers',
};

export function sampleContext(overrides: { contact?: Record<string, unknown>; data?: Record<string, unknown> } = {}): RenderContext {
  return {
    contact: overrides.contact ?? sampleContact,
    data: overrides.data ?? sampleData,
    links: {
      unsubscribe: 'https://nurture.example.com/u/sample-token',
      preferences: 'https://nurture.example.com/u/sample-token',
      confirm: 'https://nurture.example.com/u/sample-confirm-token?confirm=1',
    },
  };
}
