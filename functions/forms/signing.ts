import { constantTimeEqual, truncatedMac } from '../shared/hmac';

/** Where the HMAC key comes from: configuration locally, a Secrets Manager secret in AWS; read once. */
export type KeySource = () => Promise<string>;

/**
 * HMAC-SHA256 signatures for the two things form pages carry and must not be able to forge: the render token
 * (when the page was rendered, so a post a second later is a bot) and the visitor token (which contact a browser
 * is, for progressive profiling; an id and a signature, never the email).
 */
export class Signer {
  constructor(private readonly key: KeySource) {}

  private async mac(purpose: string, payload: string): Promise<string> {
    return truncatedMac(await this.key(), `${purpose}\n${payload}`, 18).toString('base64url');
  }

  private async valid(purpose: string, payload: string, signature: string): Promise<boolean> {
    return constantTimeEqual(signature, await this.mac(purpose, payload));
  }

  /** `<rendered-at ms, base 36>.<signature>`: bound to one form. */
  async renderToken(formId: string, at: Date): Promise<string> {
    const time = at.getTime().toString(36);
    return `${time}.${await this.mac(`render:${formId}`, time)}`;
  }

  /**
   * `Valid` with the age of a genuine token; `Forged` for anything else (including another form's token). The
   * caller decides what age is too young (a bot) or too old.
   */
  async checkRenderToken(formId: string, token: string, now: Date): Promise<{ type: 'Valid'; ageMs: number } | { type: 'Forged' }> {
    const [time, signature, ...rest] = token.split('.');
    if (!time || !signature || rest.length > 0 || !/^[0-9a-z]{1,12}$/.test(time)) return { type: 'Forged' };
    if (!(await this.valid(`render:${formId}`, time, signature))) return { type: 'Forged' };
    return { type: 'Valid', ageMs: now.getTime() - parseInt(time, 36) };
  }

  /** `<contactId>.<signature>`. */
  async visitorToken(contactId: string): Promise<string> {
    return `${contactId}.${await this.mac('visitor', contactId)}`;
  }

  /** The contact a visitor token names, or undefined when it is not one this key signed. */
  async visitorOf(token: string): Promise<string | undefined> {
    const [contactId, signature, ...rest] = token.split('.');
    if (!contactId || !signature || rest.length > 0 || !/^[0-9A-Z]{26}$/.test(contactId)) return undefined;
    return (await this.valid('visitor', contactId, signature)) ? contactId : undefined;
  }
}
