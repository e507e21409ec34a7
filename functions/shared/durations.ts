/** `30m`, `12h`, `2d`, `1w`: how journey and segment files write durations. Stored in seconds. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 } as const;

export const DURATION_PATTERN = /^(-)?(\d+)\s*(s|m|h|d|w)$/;

/** Seconds in a duration, or undefined when it is not one. A leading minus gives negative offsets (`-3d`). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[2]) * UNIT_SECONDS[match[3] as keyof typeof UNIT_SECONDS];
  return match[1] ? -seconds : seconds;
}

export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const abs = Math.abs(seconds);
  for (const [unit, size] of [['w', 604_800], ['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (abs >= size && abs % size === 0) return `${sign}${abs / size}${unit}`;
  }
  return `${sign}${abs}s`;
}
