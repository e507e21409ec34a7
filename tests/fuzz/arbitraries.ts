import fc from 'fast-check';

/**
 * The fuzz runs' shared settings and generators. The test suite fuzzes from a fixed seed so a run on CI is
 * reproducible, with a share of the runs `npm run fuzz` makes: every property still runs, and the deep search is
 * `npm run fuzz`'s, which explores fresh seeds (FUZZ_SEED=random, FUZZ_RUNS to go longer) and prints the seed of any
 * failure to pin here as a regression.
 */
export const randomSeed = process.env.FUZZ_SEED === 'random';
export const fuzzSeed = randomSeed ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FUZZ_SEED ?? 20261125);

/** How many runs a property makes: `full` under `npm run fuzz`, `share` of it in `npm test` (seeded). */
export function fuzzRuns(full: number, share: number): number {
  return Math.ceil(full * Number(process.env.FUZZ_RUNS ?? 1) * (randomSeed ? 1 : share));
}

/** Text a hostile or careless client sends. */
export const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    'a@b.co',
    'x@gmial.com',
    'info@example.com',
    `${'a'.repeat(65)}@example.com`,
    'ada@bücher.example',
    'evil\u202Ecod.exe',
    'line\r\nBcc: x@y.z',
    '<script>alert(1)</script>',
    '{"$gt":""}',
    '__proto__',
    '+1 415 555 0132',
    '2026-02-30',
    'Germany',
    'on',
    '',
    '   ',
    '$5,000',
    'NaN',
    '1e999',
  ),
);
export const value = fc.oneof(
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostile, { maxLength: 3 }),
  fc.dictionary(fc.string(), hostile, { maxKeys: 2 }),
);
export const formKeys = fc.constantFrom(
  'email', 'first_name', 'last_name', 'company', 'job_title', 'budget', 'company_size', 'phone', 'country',
  'marketing_consent', 'website', 'utm_source', 'gclid', 'landing_page', 'referrer', 'anonymous_id', 'email_confirmed',
  '_submission_id', '_nurture_token', '__proto__', 'constructor',
);
export const fields = fc.dictionary(fc.oneof(formKeys, fc.string()), value, { maxKeys: 12 });
/** A form body in any of the ways a client might send one, well formed or not. */
export const formBody = fc.oneof(
  fields.map((f) => ({ type: 'application/json', body: JSON.stringify(f) })),
  fields.map((f) => ({
    type: 'application/x-www-form-urlencoded',
    body: new URLSearchParams(
      Object.entries(f).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? '']),
    ).toString(),
  })),
  fc.record({ type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', ''), body: fc.string() }),
);

export const id = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('user-1', 'anon-1', 'anon-2'), fc.integer());
export const message = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'identify', 'page', 'group', 'alias'), fc.string()),
    userId: fc.oneof(id, fc.constant(null)),
    anonymousId: id,
    messageId: fc.oneof(fc.string(), fc.uuid()),
    event: fc.oneof(hostile, fc.constantFrom('checkout_started', 'order_completed')),
    properties: fc.oneof(fields, value),
    traits: fc.oneof(
      fc.record({ email: fc.oneof(hostile, fc.constantFrom('fuzz@example.com', 'FUZZ@Example.com')), firstName: value }, { requiredKeys: [] }),
      value,
    ),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostile),
    sentAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostile),
    context: value,
  },
  { requiredKeys: [] },
);
/** Mostly-valid messages with one hostile part, so the store is reached too, not only the parser. */
export const plausible = fc.record({
  type: fc.constantFrom('track', 'page', 'identify'),
  anonymousId: fc.constantFrom('anon-1', 'anon-2', 'anon-3'),
  event: fc.oneof(fc.constantFrom('checkout_started', 'order_completed'), hostile),
  properties: fc.record({ url: fc.oneof(fc.constant('https://www.example.com/pricing'), hostile), note: value }),
  traits: fc.record({ plan: value, trialEndsAt: hostile }),
  messageId: fc.uuid(),
});
export const batchBody = fc.oneof(
  fc.array(message, { maxLength: 12 }).map((batch) => JSON.stringify({ batch })),
  fc.array(fc.oneof(message, plausible, plausible), { maxLength: 12 }).map((batch) => JSON.stringify({ batch })),
  fc.record({ batch: value }).map((b) => JSON.stringify(b)),
  fc.string(),
);

