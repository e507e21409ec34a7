/**
 * What one SMS part costs to send, by destination country: AWS End User Messaging's outbound message fee plus the
 * carrier fee passed through, in USD. A dated file, not live prices: the figures are estimates to plan with and were
 * not re-checked against https://aws.amazon.com/end-user-messaging/pricing/ (no network here); update `PRICED_ON`
 * and the table together when you check them. Inbound messages, phone-number leases and registrations are not
 * included (they are monthly or one-off, not per message).
 */

/** When the table below was last written. */
export const PRICED_ON = '2026-12-06';
export const PRICE_SOURCE = 'estimate, to verify at https://aws.amazon.com/end-user-messaging/pricing/';

/** Whether the figures were checked against AWS's price page on `PRICED_ON`. They were not. */
export const PRICES_VERIFIED = false;

/** USD per outbound part (message fee + typical carrier fee), by ISO 3166-1 alpha-2 country. */
const PER_PART_USD: Readonly<Record<string, number>> = {
  US: 0.00883,
  CA: 0.00755,
  GB: 0.0374,
  IE: 0.0637,
  DE: 0.0946,
  FR: 0.0715,
  ES: 0.0725,
  IT: 0.0855,
  NL: 0.1097,
  BE: 0.0857,
  SE: 0.0524,
  PL: 0.0297,
  AU: 0.0387,
  NZ: 0.1048,
  IN: 0.00278,
  SG: 0.0386,
  JP: 0.0732,
  BR: 0.0187,
  MX: 0.0297,
  ZA: 0.0218,
};

/** The per-part price used for a country not in the table: deliberately high, so a plan errs on the side of cost. */
export const OTHER_COUNTRIES_PER_PART_USD = 0.11;

export interface SmsPrice {
  readonly country: string;
  /** USD per part. */
  readonly perPart: number;
  /** False when the country is not in the table and {@link OTHER_COUNTRIES_PER_PART_USD} applies. */
  readonly listed: boolean;
  readonly pricedOn: string;
  readonly source: string;
  readonly verified: boolean;
}

/** The price of one part to `country` (ISO alpha-2, any case). */
export function smsPrice(country: string): SmsPrice {
  const code = country.toUpperCase();
  const listed = Object.hasOwn(PER_PART_USD, code);
  return {
    country: code,
    perPart: listed ? PER_PART_USD[code]! : OTHER_COUNTRIES_PER_PART_USD,
    listed,
    pricedOn: PRICED_ON,
    source: PRICE_SOURCE,
    verified: PRICES_VERIFIED,
  };
}

/** The cost of a message of `parts` parts to `country`, in USD, to a millionth of a dollar (sums stay exact). */
export function smsCost(country: string, parts: number): number {
  return Math.round(smsPrice(country).perPart * parts * 1_000_000) / 1_000_000;
}

/** The countries the table lists, for documentation and the cost report. */
export function pricedCountries(): readonly string[] {
  return Object.keys(PER_PART_USD);
}
