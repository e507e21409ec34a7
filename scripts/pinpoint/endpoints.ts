import * as z from 'zod';
import { normalizePhone } from '../../functions/shared/phone-number';
import { ENDPOINT_FIELD_ATTRIBUTES, attributeName, sortedEntries } from './common';
import { ReportBuilder } from './report';

/**
 * Pinpoint endpoints (an export job's newline-delimited EndpointResponse) as rows of the contacts import: endpoints
 * are grouped by `User.UserId` (else each endpoint is its own person); the EMAIL endpoint gives the email, the SMS
 * endpoint the `phone`; an address opted out (`OptOut: ALL`) or inactive (`EndpointStatus: INACTIVE`) is unsubscribed
 * from all on its channel, with a source saying so, so it is never messaged after the import. Pure: the report
 * holds counts and construct names, never an address or a user id.
 */

const Multi = z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])));

export const EndpointResponse = z.looseObject({
  Id: z.string().min(1),
  Address: z.string().optional(),
  ChannelType: z.string().optional(),
  EndpointStatus: z.string().optional(),
  OptOut: z.string().optional(),
  Attributes: Multi.optional(),
  Metrics: z.record(z.string(), z.number()).optional(),
  Demographic: z.record(z.string(), z.string()).optional(),
  Location: z.looseObject({ City: z.string().optional(), Country: z.string().optional(), PostalCode: z.string().optional(), Region: z.string().optional(), Latitude: z.number().optional(), Longitude: z.number().optional() }).optional(),
  User: z.looseObject({ UserId: z.string().optional(), UserAttributes: Multi.optional() }).optional(),
});
export type EndpointResponse = z.infer<typeof EndpointResponse>;

/** Where Pinpoint's opt-outs come from, as the consent's source (at most 100 characters). */
export const OPT_OUT_SOURCE = 'pinpoint: endpoint OptOut ALL';
export const INACTIVE_SOURCE = 'pinpoint: endpoint INACTIVE';
const METADATA = new Set(['Id', 'Address', 'ChannelType', 'EndpointStatus', 'OptOut', 'Attributes', 'Metrics', 'Demographic', 'Location', 'User', 'ApplicationId', 'CohortId', 'CreationDate', 'EffectiveDate', 'RequestId']);

/** One endpoint read from an export file, with the tags its file gives (an imported segment's export). */
export interface ReadEndpoint {
  readonly endpoint: EndpointResponse;
  readonly tags: readonly string[];
}

export interface EndpointRows {
  /** Rows for the contacts import (NDJSON keys): email, externalId, tags, phone, consents, then attributes. */
  readonly rows: Record<string, unknown>[];
  readonly report: ReportBuilder;
  readonly counts: {
    readonly endpoints: number;
    readonly people: number;
    readonly contacts: number;
    readonly withoutEmail: number;
    readonly emailOptedOut: number;
    readonly emailInactive: number;
    readonly smsOptedOut: number;
    readonly smsInactive: number;
    readonly otherChannels: number;
    readonly extraAddresses: number;
    readonly joinedValues: number;
    readonly invalidPhones: number;
  };
}

/**
 * The contacts of a set of endpoints. With `topic`, an email address that is active and not opted out is subscribed
 * to it (basis `import`, source `pinpoint`): Pinpoint keeps no consent record, so whether that is right is the
 * importer's call, made explicitly.
 */
export function endpointRows(endpoints: readonly ReadEndpoint[], options: { readonly topic?: string; readonly source: string }): EndpointRows {
  const report = new ReportBuilder('endpoints', options.source);
  const merged = new Map<string, { endpoint: EndpointResponse; tags: Set<string> }>();
  for (const { endpoint, tags } of endpoints) {
    const seen = merged.get(endpoint.Id);
    if (seen) for (const tag of tags) seen.tags.add(tag);
    else merged.set(endpoint.Id, { endpoint, tags: new Set(tags) });
  }
  const people = new Map<string, { endpoint: EndpointResponse; tags: Set<string> }[]>();
  for (const entry of merged.values()) {
    const key = entry.endpoint.User?.UserId ? `u:${entry.endpoint.User.UserId}` : `e:${entry.endpoint.Id}`;
    people.set(key, [...(people.get(key) ?? []), entry]);
  }
  const counts = { endpoints: merged.size, people: people.size, contacts: 0, withoutEmail: 0, emailOptedOut: 0, emailInactive: 0, smsOptedOut: 0, smsInactive: 0, otherChannels: 0, extraAddresses: 0, joinedValues: 0, invalidPhones: 0 };
  const unknownKeys = new Set<string>();
  const droppedDemographics = new Set<string>();
  let coordinates = 0;
  let badZones = 0;
  let conflicts = 0;
  const rows: Record<string, unknown>[] = [];
  for (const key of [...people.keys()].sort()) {
    const group = people.get(key)!.sort((a, b) => (a.endpoint.Id < b.endpoint.Id ? -1 : 1));
    const byChannel = (channel: string) => group.filter((g) => g.endpoint.ChannelType === channel && g.endpoint.Address);
    const emails = byChannel('EMAIL');
    const phones = byChannel('SMS');
    counts.otherChannels += group.filter((g) => g.endpoint.ChannelType !== 'EMAIL' && g.endpoint.ChannelType !== 'SMS').length;
    for (const g of group) for (const k of Object.keys(g.endpoint)) if (!METADATA.has(k)) unknownKeys.add(k);
    if (emails.length === 0) {
      counts.withoutEmail++;
      continue;
    }
    // The address to keep: the first that can be messaged, else the first. The others are counted, not imported.
    const usable = (g: { endpoint: EndpointResponse }) => g.endpoint.OptOut !== 'ALL' && g.endpoint.EndpointStatus !== 'INACTIVE';
    const email = emails.find(usable) ?? emails[0]!;
    const phoneEndpoint = phones.find(usable) ?? phones[0];
    // A number the contacts import would refuse would lose the whole row (and the email's opt-out with it).
    const normalized = phoneEndpoint ? normalizePhone(phoneEndpoint.endpoint.Address!) : undefined;
    if (normalized && 'error' in normalized) counts.invalidPhones++;
    const phone = normalized && 'phone' in normalized ? { ...phoneEndpoint!, number: normalized.phone } : undefined;
    counts.extraAddresses += emails.length - 1 + Math.max(0, phones.length - 1);

    const consents: Record<string, unknown>[] = [];
    const emailBlocked = blockedSource(email.endpoint);
    if (emailBlocked) {
      consents.push({ topic: 'all', status: 'unsubscribed', basis: 'import', source: emailBlocked });
      if (emailBlocked === OPT_OUT_SOURCE) counts.emailOptedOut++;
      else counts.emailInactive++;
    } else if (options.topic) consents.push({ topic: options.topic, status: 'subscribed', basis: 'import', source: 'pinpoint' });
    const phoneBlocked = phone ? blockedSource(phone.endpoint) : undefined;
    if (phoneBlocked) {
      consents.push({ topic: 'all', status: 'unsubscribed', basis: 'import', source: phoneBlocked, channel: 'sms' });
      if (phoneBlocked === OPT_OUT_SOURCE) counts.smsOptedOut++;
      else counts.smsInactive++;
    }

    // Attributes: the user's, then each endpoint's (the kept email endpoint last, so it wins a disagreement).
    const attributes = new Map<string, string | number | boolean>();
    const set = (name: string, value: string | number | boolean) => {
      const previous = attributes.get(name);
      if (previous !== undefined && previous !== value) conflicts++;
      attributes.set(name, value);
    };
    const multi = (values: readonly (string | number | boolean)[]): string | number | boolean | undefined => {
      if (values.length === 0) return undefined;
      if (values.length === 1) return values[0]!;
      counts.joinedValues++;
      return values.map(String).join('; ');
    };
    const ordered = [...group.filter((g) => g !== email), email];
    for (const g of ordered) {
      for (const [name, values] of sortedEntries(g.endpoint.User?.UserAttributes)) {
        const value = multi(values);
        if (value !== undefined) set(attributeName(name), value);
      }
    }
    for (const g of ordered) {
      const endpoint = g.endpoint;
      for (const [name, values] of sortedEntries(endpoint.Attributes)) {
        const value = multi(values);
        if (value !== undefined) set(attributeName(name), value);
      }
      for (const [name, value] of sortedEntries(endpoint.Metrics)) set(attributeName(name), value);
      for (const [name, value] of sortedEntries(endpoint.Demographic)) {
        const field = ENDPOINT_FIELD_ATTRIBUTES[`Demographic.${name}`];
        if (!field) {
          droppedDemographics.add(name);
          continue;
        }
        if (field === 'time_zone' && !isTimeZone(value)) {
          badZones++;
          continue;
        }
        set(field, value);
      }
      for (const part of ['City', 'Country', 'PostalCode', 'Region'] as const) {
        const value = endpoint.Location?.[part];
        if (value) set(ENDPOINT_FIELD_ATTRIBUTES[`Location.${part}`]!, value);
      }
      if (endpoint.Location?.Latitude !== undefined || endpoint.Location?.Longitude !== undefined) coordinates++;
    }
    const tags = [...new Set(group.flatMap((g) => [...g.tags]))].sort();
    const userId = email.endpoint.User?.UserId;
    const row: Record<string, unknown> = {
      email: email.endpoint.Address!.trim(),
      ...(userId && /^[\x21-\x7e]{1,200}$/.test(userId) ? { externalId: userId } : {}),
      ...(tags.length ? { tags } : {}),
      ...(phone ? { phone: phone.number } : {}),
      ...(consents.length ? { consents } : {}),
      ...Object.fromEntries([...attributes.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
    rows.push(row);
    counts.contacts++;
  }

  report.translated('endpoints', `${counts.endpoints} endpoints of ${counts.people} people (grouped by User.UserId, else one per endpoint) → ${counts.contacts} contacts through the contacts import`);
  report.translated('ChannelType EMAIL', 'the address is the contact\'s email (contacts are keyed by email)');
  report.translated('ChannelType SMS', 'the address is the contact\'s phone');
  if (counts.withoutEmail) report.notTranslated('people without an EMAIL endpoint', `${counts.withoutEmail} not imported: contacts are keyed by email, and these have none`);
  if (counts.extraAddresses) report.notTranslated('more than one address per channel', `${counts.extraAddresses} further addresses not imported: a contact has one email and one phone (the first that can be messaged is kept)`);
  if (counts.invalidPhones) report.notTranslated('SMS addresses that are not phone numbers', `${counts.invalidPhones} not imported (the contact is, without a phone)`);
  if (counts.otherChannels) report.notTranslated('other channels (PUSH, VOICE, CUSTOM, IN_APP…)', `${counts.otherChannels} endpoints not imported: not channels here`);
  report.translated('OptOut ALL', `${counts.emailOptedOut} email and ${counts.smsOptedOut} SMS addresses opted out → unsubscribed from all on that channel (basis import, source "${OPT_OUT_SOURCE}"): never messaged after the import`);
  report.translated('EndpointStatus INACTIVE', `${counts.emailInactive} email and ${counts.smsInactive} SMS addresses inactive → unsubscribed from all on that channel (source "${INACTIVE_SOURCE}")`);
  report.translated('User.UserId', 'the contact\'s externalId');
  report.translated('User.UserAttributes / Attributes / Metrics', 'attributes, names in lower_snake_case (FirstName → first_name); a name that is one of the contact\'s own fields gets "pinpoint_" in front');
  if (counts.joinedValues) report.approximated('multi-valued attributes', `${counts.joinedValues} values with several items joined with "; " into one text (attributes hold one value)`);
  if (conflicts) report.approximated('attributes that differ between a person\'s endpoints', `${conflicts} times: the kept email endpoint's value wins`);
  report.translated('Demographic.Timezone', 'attribute time_zone (sends and windows use it)');
  if (badZones) report.notTranslated('Demographic.Timezone (not a zone)', `${badZones} values that are not IANA time zones: not imported`);
  report.translated('Location.City / Country / PostalCode / Region', 'attributes city, country, postal_code, region');
  if (coordinates) report.notTranslated('Location.Latitude / Longitude', `${coordinates} endpoints with coordinates: contacts have none here`);
  if (droppedDemographics.size) report.notTranslated(`Demographic.${[...droppedDemographics].sort().join(' / ')}`, 'device details (app, platform, make, model): not imported');
  if (options.topic) report.approximated('consent', `active addresses not opted out are subscribed to "${options.topic}" (--topic; basis import, source "pinpoint"): Pinpoint keeps no record of how consent was given`);
  else report.notTranslated('consent', 'Pinpoint keeps no consent record: no address is subscribed to a topic (pass --subscribe <topic> to subscribe active, not opted-out addresses)');
  report.notTranslated('SMS consent', 'no phone is subscribed to an SMS topic (texts need consent to the journey\'s topic): collect it, or import the consent you hold with npm run contacts -- import');
  for (const key of [...unknownKeys].sort()) report.notTranslated(key, 'an endpoint field the importer does not know');
  return { rows, report, counts };
}

function blockedSource(endpoint: EndpointResponse): string | undefined {
  if (endpoint.OptOut === 'ALL') return OPT_OUT_SOURCE;
  if (endpoint.EndpointStatus === 'INACTIVE') return INACTIVE_SOURCE;
  return undefined;
}

/** Building a formatter costs far more than the lookup, and an export holds few distinct zones. */
const zones = new Map<string, boolean>();

function isTimeZone(zone: string): boolean {
  let known = zones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    zones.set(zone, known);
  }
  return known;
}
