import { describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { emailSettings } from '../../functions/email/email-settings';
import { makeSendEmailTask } from '../../functions/email/send-email-task';
import { TokenSigner } from '../../functions/email/tokens';
import { makeTrack } from '../../functions/email/email-engagement';
import { httpEvent, lambdaContext, memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { PUBLIC_URL, createEnrolledContact, eventsOf, fixedClock, insideWindow, sendDeps, signingKey, type LocalSes, useTableAndSes } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

const person = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** A minute after the send (sendDeps' clock): past the scanner window, when a person may click. */
const aMinuteLater = () => fixedClock(new Date(insideWindow.getTime() + 60_000));

function tracker(keys: string[] = [signingKey], clock = aMinuteLater(), scannerWindowSeconds = emailSettings.tracking.scannerWindowSeconds) {
  const signer = new TokenSigner(keys);
  return makeTrack({
    store: new DynamoEmailStore(table.documentClient, table.tableName),
    signer: async () => signer,
    scannerWindowSeconds,
    clock,
    logger: memoryLogger(),
  });
}

/** Sends nurture-1 from a journey step and returns the tracked URLs in its HTML. */
async function sendTracked(contactId: string) {
  await makeSendEmailTask(sendDeps(table, ses))({
    contactId,
    journeyId: 'budget-router',
    stepId: 'nurture-1',
    executionName: `budget-router-${contactId}-1`,
    templateId: 'nurture-1',
  });
  const [email] = await ses.emails();
  const html = email?.body.html ?? '';
  const token = (prefix: string) => new RegExp(`${PUBLIC_URL}/t/${prefix}/([^"]+)"`).exec(html)?.[1] ?? '';
  return { click: token('c'), open: token('o'), messageId: email?.messageId };
}

const get = (route: 'c' | 'o', token: string, headers: Record<string, string> = { 'user-agent': person }) =>
  httpEvent({ routeKey: `GET /t/${route}/{token}`, path: `/t/${route}/${token}`, pathParameters: { token }, headers });

describe('click tracking', () => {
  it('redirects a tracked link to the original URL and appends email.clicked with the send\'s journey and step', async () => {
    // Prepare
    const { contactId } = await createEnrolledContact(table);
    const { click, messageId } = await sendTracked(contactId);

    // Act
    const result = await tracker()(get('c', click), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(302);
    expect(result.headers.location).toBe('https://www.example.com/guides/small-budget-planning');
    expect(result.headers['cache-control']).toContain('no-store');
    const [clicked] = await eventsOf(table, contactId, 'email.clicked');
    expect(clicked?.data).toEqual({
      messageId,
      templateId: 'nurture-1',
      journeyId: 'budget-router',
      stepId: 'nurture-1',
      topic: 'nurture',
      url: 'https://www.example.com/guides/small-budget-planning',
      linkIndex: 0,
      machine: false,
    });
  });

  it('answers 404, never a redirect, for a tampered token', async () => {
    const { contactId } = await createEnrolledContact(table);
    const { click } = await sendTracked(contactId);
    const parts = click.split('.');
    const otherIndex = [...parts.slice(0, 3), '1', parts[4]].join('.');
    const otherContact = [parts[0], '01HOTHERCONTACT00000000000', ...parts.slice(2)].join('.');
    const forgedSignature = [...parts.slice(0, 4), 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');

    for (const token of [otherIndex, otherContact, forgedSignature, 'c.x', '']) {
      const result = await tracker()(get('c', token), lambdaContext());
      expect(result.statusCode, token).toBe(404);
      expect(result.headers.location, token).toBeUndefined();
    }
    expect(await eventsOf(table, contactId, 'email.clicked')).toHaveLength(0);
  });

  it('accepts links signed with the previous key after a rotation, and refuses them once it is removed', async () => {
    const { contactId } = await createEnrolledContact(table);
    const { click } = await sendTracked(contactId);

    const rotated = await tracker(['new-signing-key-0123456789', signingKey])(get('c', click), lambdaContext());
    const removed = await tracker(['new-signing-key-0123456789'])(get('c', click), lambdaContext());

    expect(rotated.statusCode).toBe(302);
    expect(removed.statusCode).toBe(404);
  });

  it('marks a link scanner\'s clicks as machine clicks: a scanner agent, a click within seconds of the send, or of another click', async () => {
    // Prepare: the email was sent at `insideWindow`.
    const { contactId } = await createEnrolledContact(table);
    const { click } = await sendTracked(contactId);
    const clock = fixedClock(new Date(insideWindow.getTime() + 3_000));
    const track = tracker([signingKey], clock);
    const after = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));

    // Act
    await track(get('c', click), lambdaContext()); // a scanner burst's first click, 3 s after the send
    after(60_000);
    await track(get('c', click, { 'user-agent': 'Mozilla/5.0 (compatible; Barracuda Sentinel)' }), lambdaContext());
    after(60_000);
    await track(get('c', click), lambdaContext()); // a person, two minutes after the send
    after(500);
    await track(get('c', click), lambdaContext()); // half a second after another click

    // Assess
    const clicks = await eventsOf(table, contactId, 'email.clicked');
    expect(clicks.map((c) => (c.data as { machine: boolean }).machine)).toEqual([true, true, false, true]);
  });

  it('judges clicks after the send by tracking.scannerWindowSeconds', async () => {
    // Prepare: one email per case, clicked once, `afterMs` after its send.
    const machineOf = async (afterMs: number, scannerWindowSeconds: number) => {
      const { contactId } = await createEnrolledContact(table);
      await ses.clear();
      const { click } = await sendTracked(contactId);
      await tracker([signingKey], fixedClock(new Date(insideWindow.getTime() + afterMs)), scannerWindowSeconds)(get('c', click), lambdaContext());
      const [clicked] = await eventsOf(table, contactId, 'email.clicked');
      return (clicked?.data as { machine: boolean }).machine;
    };

    // Act, Assess
    expect(await machineOf(3_000, 2)).toBe(false);
    expect(await machineOf(3_000, 5)).toBe(true);
    // A send stamped after the click (locally the journey clock runs ahead of real time) is no scanner's burst.
    expect(await machineOf(-60_000, 10)).toBe(false);
    expect(emailSettings.tracking.scannerWindowSeconds).toBe(10);
  });
});

describe('open tracking', () => {
  it('answers the 1×1 GIF and appends email.opened', async () => {
    const { contactId } = await createEnrolledContact(table);
    const { open, messageId } = await sendTracked(contactId);

    const result = await tracker()(get('o', open), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toBe('image/gif');
    expect(Buffer.from(result.body ?? '', 'base64').subarray(0, 6).toString()).toBe('GIF89a');
    const [opened] = await eventsOf(table, contactId, 'email.opened');
    expect(opened?.data).toMatchObject({ messageId, templateId: 'nurture-1', machine: false });
  });

  it('marks Apple Mail Privacy Protection fetches as machine opens', async () => {
    const { contactId } = await createEnrolledContact(table);
    const { open } = await sendTracked(contactId);

    await tracker()(get('o', open, { 'user-agent': 'Mozilla/5.0' }), lambdaContext());

    const [opened] = await eventsOf(table, contactId, 'email.opened');
    expect((opened?.data as { machine: boolean }).machine).toBe(true);
  });

  it('answers 404 for a tampered pixel token', async () => {
    const { contactId } = await createEnrolledContact(table);
    const { open } = await sendTracked(contactId);
    const result = await tracker()(get('o', `${open}x`), lambdaContext());
    expect(result.statusCode).toBe(404);
  });
});
