import * as z from 'zod';
import { event, eventGroup, FieldValueSchema, UtmSchema } from '../shared/event-envelope';

/** `form.submitted`: one accepted post of a form. */
export const FormSubmittedData = z.object({
  formId: z.string().min(1),
  /** Declared fields that carried a value, email included, after the form's rules. */
  fields: z.record(z.string(), FieldValueSchema),
  utm: UtmSchema,
  referrer: z.string().optional(),
  userAgent: z.string().optional(),
  ip: z.string().optional(),
  /** Ad-click ids posted with the form (`gclid`, `fbclid`, `msclkid`). */
  clickIds: z.partialRecord(z.enum(['gclid', 'fbclid', 'msclkid']), z.string()).optional(),
  /** The first page of the visit and the page before it, as the embed snippet reports them. */
  landingPage: z.string().optional(),
  pageReferrer: z.string().optional(),
  /** Consent boxes ticked in this post: the purpose, the consent text version shown, the field. */
  consents: z.array(z.object({ purpose: z.string(), textVersion: z.string(), field: z.string() })).optional(),
  /** How many posted names were neither declared fields nor read by the endpoint: dropped, only counted. */
  unknownFields: z.number().int().min(0).optional(),
  /** The visitor's anonymous id (Segment `anonymousId`), linked to the contact by this post. */
  anonymousId: z.string().optional(),
});
export type FormSubmittedData = z.infer<typeof FormSubmittedData>;

/** The forms' events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const formEventGroup = eventGroup({
  FormSubmitted: event('form.submitted', FormSubmittedData),
});
export const formEventNames = formEventGroup.names;
/** The forms' events. */
export const formEvents = formEventGroup.schemas;
