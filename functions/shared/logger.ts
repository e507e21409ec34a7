import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * Structured JSON logs from Powertools for AWS Lambda, one line per call, that never carry personal data or
 * secrets: values under a personal or secret key are replaced, and emails, phone numbers and IP addresses are
 * scrubbed out of every string, error messages and stack traces included. Log identifiers (contact ids, form ids,
 * request ids), never emails or form bodies; the scrubbing is the net, not the plan.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The logging port every handler and test uses; tests hand in an in-memory one. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * A Powertools Logger for `service`. The level is `level`, else `POWERTOOLS_LOG_LEVEL`, else `LOG_LEVEL` (either
 * case), else info; Lambda's own log-level setting (`AWS_LAMBDA_LOG_LEVEL`) wins over all, as Powertools decides.
 */
export function createLogger(service: string, level: LogLevel = readLevel()): Logger {
  const logger = new PowertoolsLogger({ serviceName: service, logLevel: level.toUpperCase() as Uppercase<LogLevel>, logFormatter: new PrivateDataFormatter() });
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}

function readLevel(): LogLevel {
  const level = (process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL)?.toLowerCase();
  return LEVELS.find((known) => known === level) ?? 'info';
}

/** Powertools' standard keys, with the message and every attribute passed through {@link withoutPersonalData}. */
class PrivateDataFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: scrubText(String(attributes.message)),
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(withoutPersonalData(additional) as LogAttributes);
  }
}

const REDACTED = '[redacted]';

/** Keys (lower case, without `_` or `-`) whose values are personal data or secrets, whatever they hold. */
const PRIVATE_KEYS = new Set([
  'name', 'firstname', 'lastname', 'fullname', 'givenname', 'familyname', 'address', 'streetaddress', 'ip',
  'sourceip', 'clientip', 'xforwardedfor', 'mobile', 'cookie', 'setcookie', 'signature', 'credentials', 'body',
]);
/** Key endings that mark personal data or secrets: `email`, `contactEmail`, `taskToken`, `clientSecret`… */
const PRIVATE_KEY_ENDINGS = ['email', 'phone', 'phonenumber', 'ipaddress', 'password', 'secret', 'token', 'apikey', 'authorization', 'privatekey', 'signingkey', 'writekey'];

function isPrivateKey(key: string): boolean {
  const normal = key.toLowerCase().replace(/[_-]/g, '');
  return PRIVATE_KEYS.has(normal) || PRIVATE_KEY_ENDINGS.some((ending) => normal.endsWith(ending));
}

const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// International numbers (+ then 8 to 15 digits, spaced or not) and the grouped national shapes: 555-123-4567,
// (555) 123 4567, 020 7946 0958. ISO dates, epoch times and ULIDs do not match.
const PHONE = /\+\d[\d ().-]{6,18}\d|\(\d{2,5}\) ?\d{3,4}[ .-]?\d{3,4}\b|\b\d{3,5}[ .-]\d{3,4}[ .-]\d{4}\b/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
// IPv6 with a `::` or all eight groups; times (07:30:21) have neither.
const IPV6 = /(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?(?::?\d{1,3}(?:\.\d{1,3}){3})?)(?![\w:.])/gi;

/** `text` with every email-, phone- and IP-shaped part replaced. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(IPV6, '[ip]').replace(PHONE, '[phone]').replace(IPV4, '[ip]');
}

/**
 * A copy of `value` safe to log: personal and secret keys redacted at any depth, strings scrubbed, errors reduced
 * to name, message, stack and cause (scrubbed). Pure; a cycle is cut where it closes.
 */
export function withoutPersonalData(value: unknown, ancestors = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (ancestors.has(value)) return '[circular]';
  ancestors.add(value);
  try {
    if (value instanceof Error) {
      return {
        name: value.name,
        message: scrubText(value.message),
        stack: value.stack === undefined ? undefined : scrubText(value.stack),
        ...(value.cause === undefined ? {} : { cause: withoutPersonalData(value.cause, ancestors) }),
      };
    }
    if (Array.isArray(value)) return value.map((item) => withoutPersonalData(item, ancestors));
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, isPrivateKey(key) ? REDACTED : withoutPersonalData(inner, ancestors)]),
    );
  } finally {
    ancestors.delete(value);
  }
}
