import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../functions/shared/logger';

const CONTACT = '01HZX3K5Q3ZV4M8W7N6P5R4S3T';

/** Every line the real logger writes to stdout and stderr while `act` runs, parsed. */
function captured(act: () => void): Record<string, unknown>[] {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    act();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => vi.unstubAllEnvs());

describe('the logger', () => {
  it('writes one JSON line per call with the level, message, service and fields', () => {
    // Act
    const [line] = captured(() => createLogger('forms', 'info').info('form received', { contactId: CONTACT, formId: 'demo-request' }));

    // Assess
    expect(line).toMatchObject({ level: 'INFO', message: 'form received', service: 'forms', contactId: CONTACT, formId: 'demo-request' });
    expect(line!.timestamp).toEqual(expect.any(String));
  });

  it('keeps personal data and secrets out, at any depth, and keeps contact ids', () => {
    // Prepare
    const submission = {
      contactId: CONTACT,
      contact: { email: 'ada@example.com', first_name: 'Ada', lastName: 'Lovelace', phone: '+44 20 7946 0958', address: '12 St James Sq' },
      request: { sourceIp: '203.0.113.7', headers: { authorization: 'Bearer abc.def', 'x-api-key': 'k-123' } },
      people: [{ name: 'Grace Hopper', contactId: '01HZX3K5Q3ZV4M8W7N6P5R4S3V' }],
      note: 'call her on (555) 123-4567 or +1 555 987 6543, or write to ada.lovelace+demo@example.co.uk from 198.51.100.23',
      taskToken: 'AAAA-token', signingSecret: 'shh',
      at: '2026-12-05T17:00:19.123Z', day: '2026-12-05', epochMs: '1700000000000',
    };

    // Act
    const [line] = captured(() => createLogger('forms', 'info').info('submitted', submission));

    // Assess
    const text = JSON.stringify(line);
    for (const secret of ['ada@example.com', 'Ada', 'Lovelace', '7946', 'St James', '203.0.113.7', 'abc.def', 'Grace', '123-4567', '987 6543', 'ada.lovelace', '198.51.100.23', 'AAAA-token', 'shh']) {
      expect(text).not.toContain(secret);
    }
    expect(line).toMatchObject({
      contactId: CONTACT,
      contact: { email: '[redacted]', first_name: '[redacted]', lastName: '[redacted]', phone: '[redacted]', address: '[redacted]' },
      people: [{ name: '[redacted]', contactId: '01HZX3K5Q3ZV4M8W7N6P5R4S3V' }],
      note: 'call her on [phone] or [phone], or write to [email] from [ip]',
      at: '2026-12-05T17:00:19.123Z',
      day: '2026-12-05',
      epochMs: '1700000000000',
    });
  });

  it('scrubs an error whose message and stack carry an email, and keeps its name', () => {
    // Prepare
    const error = new Error(`no contact for grace@example.com (contact ${CONTACT})`, { cause: new Error('lookup of grace@example.com failed') });
    error.name = 'ContactNotFound';

    // Act
    const [line] = captured(() => createLogger('contacts', 'info').error('lookup failed', { error, contactId: CONTACT }));

    // Assess
    expect(JSON.stringify(line)).not.toContain('grace@example.com');
    expect(line).toMatchObject({
      level: 'ERROR',
      contactId: CONTACT,
      error: { name: 'ContactNotFound', message: `no contact for [email] (contact ${CONTACT})`, stack: expect.stringContaining('ContactNotFound: no contact for [email]'), cause: { message: 'lookup of [email] failed' } },
    });
  });

  it('scrubs the message itself', () => {
    const [line] = captured(() => createLogger('forms', 'info').warn('bounce from ada@example.com'));
    expect(line).toMatchObject({ level: 'WARN', message: 'bounce from [email]' });
  });

  it('scrubs IPv6 addresses, full, shortened or carrying an IPv4, and leaves times and ARNs alone', () => {
    const [line] = captured(() =>
      createLogger('gateway', 'info').error('refused', {
        detail: 'from 2001:db8::7a7a, ::ffff:203.0.113.7 and 2001:0db8:0000:0000:0000:ff00:0042:8329 at 2026-12-06T07:30:21.127Z',
        arn: 'arn:aws:states:us-east-1:000000000000:execution:budget-router:x',
      }),
    );
    expect(line).toMatchObject({ detail: 'from [ip], [ip] and [ip] at 2026-12-06T07:30:21.127Z', arn: 'arn:aws:states:us-east-1:000000000000:execution:budget-router:x' });
  });

  it('reads its level from LOG_LEVEL or POWERTOOLS_LOG_LEVEL, in either case', () => {
    vi.stubEnv('LOG_LEVEL', 'warn');
    expect(captured(() => createLogger('forms').info('quiet')).length).toBe(0);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    expect(captured(() => createLogger('forms').debug('loud')).map((l) => l.message)).toEqual(['loud']);
  });
});
