import { describe, expect, it } from 'vitest';
import { searchIndexRule } from '../../functions/contacts/domain/index-rule';
import { foldName, indexChanges, indexEntries } from '../../functions/contacts/domain/search-index';
import { decideUpsert, resolveTarget, type UpsertRequest } from '../../functions/contacts/domain/upsert';
import { journeyRules } from '../../functions/journeys/domain/rules';
import { journeys } from '../../functions/journeys/journeys';
import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import type { TimelineEvent } from '../../functions/shared/timeline';

const NOW = '2026-12-05T10:00:00.000Z';
const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: '01JCONTACT0000000000000000',
  email: 'ada@example.com',
  attributes: { first_name: 'Ada' },
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
  ...overrides,
});
const request = (overrides: Partial<UpsertRequest> = {}): UpsertRequest => ({
  email: 'ada@example.com',
  set: {},
  clear: [],
  addTags: [],
  removeTags: [],
  consents: [],
  ...overrides,
});
const context = { contactId: '01JNEW00000000000000000000', now: NOW, via: 'api' as const };

describe('deciding an upsert', () => {
  it('changes nothing when every value, tag and consent status is already there', () => {
    const existing = contact({ tags: ['vip'], subscriptions: { all: { status: 'subscribed', at: NOW, source: 'x' } } });

    const decision = decideUpsert(
      request({ set: { first_name: 'Ada' }, addTags: ['vip'], removeTags: ['gone'], consents: [{ topic: 'all', status: 'subscribed', basis: 'api', source: 'y' }] }),
      existing,
      context,
    );

    expect(decision.type).toBe('Unchanged');
  });

  it('lists only what changed, and moves the email when the request brings a new one', () => {
    const decision = decideUpsert(request({ email: 'ada@new.example', set: { first_name: 'Ada', plan: 'pro' } }), contact(), context);

    expect(decision).toMatchObject({
      type: 'Update',
      previousEmail: 'ada@example.com',
      contact: { email: 'ada@new.example', attributes: { first_name: 'Ada', plan: 'pro' }, updatedAt: NOW },
      change: { created: false, set: { plan: 'pro' }, emailChanged: true },
    });
  });

  it('refuses to merge: an external id of another contact than the email is a conflict', () => {
    expect(resolveTarget(request({ externalId: 'x' }), { byEmail: 'A', byExternalId: 'B' }).type).toBe('ExternalIdTaken');
    expect(resolveTarget(request({ externalId: 'x' }), { byEmail: 'A', externalIdOfEmailContact: 'y' }).type).toBe('ExternalIdDiffers');
    expect(resolveTarget(request({ externalId: 'x' }), { byExternalId: 'B' })).toEqual({ type: 'Existing', contactId: 'B' });
    expect(resolveTarget(request({ email: undefined, externalId: 'x' }), {}).type).toBe('UnknownExternalId');
    expect(resolveTarget(request(), {})).toEqual({ type: 'New' });
  });
});

describe('the search index entries', () => {
  it('folds names so a prefix of any word finds them', () => {
    expect(foldName("  José  O'Brien-Smith ")).toBe('jose o brien smith');
    const names = indexEntries(contact({ attributes: { first_name: 'Ada', last_name: 'Lovelace' } }), 'subscriber').filter((e) => e.SK.includes('NAME'));
    expect(names.map((e) => e.GSI1SK.split('#')[0])).toEqual(['ada lovelace', 'lovelace']);
  });

  it('writes only the entries that moved and deletes the stale ones', () => {
    const before = indexEntries(contact({ tags: ['a', 'b'] }), 'subscriber');
    const after = indexEntries(contact({ tags: ['b'], stage: 'lead', stageChangedAt: NOW }), 'subscriber');

    const { put, remove } = indexChanges(after, before);

    expect(put.map((e) => e.SK)).toEqual(['INDEX#FIND#STAGE']);
    expect(remove).toEqual(['INDEX#FIND#TAG#a']);
  });

  it('lets the reactor rule decide nothing when the entries are right, and nothing in a replay', () => {
    const rule = searchIndexRule('subscriber');
    const event = { eventId: 'E', contactId: contact().contactId, occurredAt: NOW, type: EventName.PageViewed, data: { url: 'https://x.example' } } as TimelineEvent;

    expect(rule({ event, contact: contact(), searchIndex: indexEntries(contact(), 'subscriber') })).toEqual([]);
    expect(rule({ event, contact: contact() })).toEqual([]);
    expect(rule({ event, contact: contact(), searchIndex: [] })).toEqual([expect.objectContaining({ type: 'IndexContact' })]);
  });
});

describe('journeys and consent withdrawn through the contacts API', () => {
  it('exits a running journey when an upsert unsubscribes the contact from its topic', () => {
    const rules = journeyRules(journeys);
    const membership = { journeyId: 'budget-router', executionName: 'budget-router-x-1', status: 'running' as const, entries: 1, enteredAt: NOW };
    const event = {
      eventId: '01JEVENT000000000000000000',
      contactId: contact().contactId,
      occurredAt: NOW,
      type: EventName.ContactUpserted,
      data: { via: 'api', created: false, set: {}, cleared: [], addedTags: [], removedTags: [], consents: [{ topic: 'all', status: 'unsubscribed', basis: 'crm', source: 'hubspot' }] },
    } as TimelineEvent;

    const decisions = rules({ event, contact: contact(), memberships: [membership] });

    expect(decisions.map((d) => d.type)).toEqual(expect.arrayContaining(['StopJourney', 'RecordMembership']));
  });
});
