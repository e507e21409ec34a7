import type * as z from 'zod';

/** A stored item no longer matches the schema that wrote it: data corruption or a forbidden rename. */
export class CorruptItem extends Error {
  override name = 'CorruptItem';
}

/** A stored item parsed with the schema that wrote it; {@link CorruptItem} (naming its key, never its data) otherwise. */
export function parseItem<T extends z.ZodType>(schema: T, item: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new CorruptItem(`${String(item.PK)} ${String(item.SK)} does not match its schema`);
  return parsed.data;
}
