import { describe, expect, it } from 'vitest';
import { deterministicId, ulid } from '../../functions/shared/ids';
import { eventIdFor } from '../../functions/tracking/event-ids';

describe('ids', () => {
  it('keeps 1,000 ids made in one millisecond in the order they were made', () => {
    const at = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 1_000 }, () => ulid(at));
    expect(new Set(ids.map((id) => id.slice(0, 10)))).toEqual(new Set(['01KDVDNA00']));
    expect(ids.filter((id, i) => i > 0 && id <= ids[i - 1]!)).toEqual([]);
  });

  it('gives an id for an earlier moment its own time, not the latest one', () => {
    ulid(Date.UTC(2026, 0, 2));
    expect(ulid(1_700_000_000_000).slice(0, 10)).toBe('01HF7YAT00');
  });

  // Derived ids are stored: values taken from the hand-written ULID code, before ulidx.
  it('derives the same ids as before for the same moment and key', () => {
    expect(deterministicId(new Date(1_700_000_000_000), 'sweep:01HZX3K5Q3ZV4M8W7N6P5R4S3T')).toBe('01HF7YAT00V60DY1K7YEACJNDE');
    expect(eventIdFor('msg-1', 1_700_000_000_123)).toBe('01HF7YAT3VTD3SJ8HQ6JB21F6F');
    expect(eventIdFor('msg-1', 0)).toBe('0000000000TD3SJ8HQ6JB21F6F');
    expect(eventIdFor('msg-1', 2 ** 50).slice(0, 10)).toBe('7ZZZZZZZZZ');
  });
});
