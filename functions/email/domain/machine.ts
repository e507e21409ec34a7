/**
 * Likely machine opens and clicks, marked (not dropped) so reports can leave them out: security scanners that
 * follow every link of a message within seconds of delivery, and privacy proxies that fetch every image
 * (Apple Mail Privacy Protection) whether or not a person ever reads the email.
 */

const SCANNER_AGENTS =
  /bot\b|crawler|spider|scan|barracuda|mimecast|proofpoint|symantec|messagelabs|forcepoint|fireeye|trendmicro|sophos|safelinks|curl\/|wget\/|python-requests|go-http-client|java\/|okhttp|headless/i;

/** Two clicks on one email closer than this are not a person reading it. */
const SCANNER_BURST_MS = 2_000;

/**
 * A click is a machine's when its agent is a scanner's, when it comes within `scannerWindowSeconds` of the send
 * (a scanner's burst starts as the email is delivered, so its first click has no earlier click to be close to), or
 * within seconds of another click on the same email.
 */
export function isMachineClick(input: {
  readonly userAgent: string | undefined;
  readonly at: Date;
  /** When the email was sent (its send record's `createdAt`). */
  readonly sentAt: string;
  readonly scannerWindowSeconds: number;
  readonly previousClickAt?: string;
}): boolean {
  if (!input.userAgent || SCANNER_AGENTS.test(input.userAgent)) return true;
  // A send stamped after the click is not a scanner's: the local runtime's journey clock runs ahead of real time.
  const sinceSend = input.at.getTime() - Date.parse(input.sentAt);
  if (sinceSend >= 0 && sinceSend < input.scannerWindowSeconds * 1_000) return true;
  if (input.previousClickAt && input.at.getTime() - Date.parse(input.previousClickAt) < SCANNER_BURST_MS) return true;
  return false;
}

export function isMachineOpen(input: { readonly userAgent: string | undefined; readonly sourceIp: string | undefined }): boolean {
  const agent = input.userAgent ?? '';
  if (!agent || SCANNER_AGENTS.test(agent)) return true;
  // Apple's privacy proxy fetches from Apple's 17.0.0.0/8 network with a bare "Mozilla/5.0" agent.
  if (input.sourceIp?.startsWith('17.') || agent.trim() === 'Mozilla/5.0') return true;
  return false;
}
