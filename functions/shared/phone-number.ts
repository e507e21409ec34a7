import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/**
 * A mobile number as SMS and profiles keep it: E.164 (`+14155550123`). Numbers written without their country code
 * are read in `defaultCountry` (ISO 3166-1 alpha-2) when one is given; without it they are refused.
 */
export function normalizePhone(text: string, defaultCountry?: string): { readonly phone: string } | { readonly error: string } {
  const trimmed = text.trim();
  const parsed = trimmed.length > 0 && trimmed.length <= 40 ? parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode | undefined) : undefined;
  if (!parsed?.isValid()) return { error: defaultCountry ? 'must be a valid phone number' : 'must be a valid phone number with its country code (+…)' };
  return { phone: parsed.number };
}

/** The ISO country of an E.164 number (`US` for `+14155550123`), or undefined when the number has none. */
export function countryOfPhone(phone: string): string | undefined {
  return parsePhoneNumberFromString(phone)?.country;
}
