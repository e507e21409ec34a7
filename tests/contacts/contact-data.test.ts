import { describe, expect, it } from 'vitest';
import { crmRecordOf, isContactId, keptByErase, kindOf, referencedKeys, runningExecutions } from '../../functions/contacts/domain/contact-data';

const pk = 'CONTACT#C1';

describe('the items of a contact', () => {
  it.each([
    ['PROFILE', 'profile'],
    ['EVENT#01KA', 'event'],
    ['JOURNEY#welcome', 'membership'],
    ['WAIT#exec#step', 'wait'],
    ['INDEX#DATE#birthday', 'dateIndex'],
    ['REPORTS', 'reportState'],
    ['CRM#hubspot', 'crmLink'],
    ['CRMLEASE', 'crmLease'],
    ['MAILLOG', 'mailLog'],
    ['ERASED', 'erasure'],
    ['SOMETHING#NEW', 'other'],
  ])('tells a %s item is a %s', (sk, kind) => {
    expect(kindOf(sk)).toBe(kind);
  });

  it('keeps only the erasure record and the anonymous report state through an erase', () => {
    expect(['PROFILE', 'EVENT#1', 'JOURNEY#j', 'MAILLOG', 'SOMETHING#NEW', 'REPORTS', 'ERASED'].filter(keptByErase)).toEqual(['REPORTS', 'ERASED']);
  });

  it('finds the send records and id links the contact items point at, once each', () => {
    const keys = referencedKeys([
      { PK: pk, SK: 'PROFILE', anonymousIds: ['a1'] },
      { PK: pk, SK: 'EVENT#1', type: 'email.sent', data: { sendId: 's1' } },
      { PK: pk, SK: 'EVENT#2', type: 'form.submitted', data: { anonymousId: 'a1' } },
      { PK: pk, SK: 'EVENT#3', type: 'contact.identified', data: { userId: 'u1', traits: {} } },
      { PK: pk, SK: 'MAILLOG', sends: [{ at: 'x', sendId: 's1' }, { at: 'y', sendId: 's2' }] },
    ]);

    expect(keys).toEqual([
      { PK: 'IDEM#email#s1', SK: 'IDEM' },
      { PK: 'IDEM#email#s2', SK: 'IDEM' },
      { PK: 'ANON#a1', SK: 'LINK' },
      { PK: 'USER#u1', SK: 'LINK' },
    ]);
  });

  it('names the running executions to stop, and the CRM record from the profile or the link', () => {
    const items = [
      { PK: pk, SK: 'JOURNEY#a', journeyId: 'a', executionName: 'a-C1-E1', status: 'running' },
      { PK: pk, SK: 'JOURNEY#b', journeyId: 'b', executionName: 'b-C1-E1', status: 'completed' },
      { PK: pk, SK: 'CRM#hubspot', provider: 'hubspot', crmId: '42' },
    ];

    expect(runningExecutions(items)).toEqual([{ journeyId: 'a', executionName: 'a-C1-E1' }]);
    expect(crmRecordOf(items)).toEqual({ provider: 'hubspot', crmId: '42' });
    expect(crmRecordOf([])).toBeUndefined();
  });

  it('refuses ids that could reach another key', () => {
    expect(['01JD3Q4M8W6Y2S0EXAMPLE0000', 'c-1'].map(isContactId)).toEqual([true, true]);
    expect(['', 'CONTACT#x', 'a/b', 'x'.repeat(65)].map(isContactId)).toEqual([false, false, false, false]);
  });
});
