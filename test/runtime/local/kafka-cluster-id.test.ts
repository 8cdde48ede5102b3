import { describe, expect, it } from 'vitest';
import { kafkaUuid } from '../../../runtime/local/kafka';

describe('the local Kafka cluster id', () => {
  it('is 16 random bytes in base64url that never start with "-", which the storage tool would take for an option', () => {
    // One random id in 64 starts with "-": among 10,000 an unguarded generator all but surely makes one.
    const ids = Array.from({ length: 10_000 }, kafkaUuid);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id) && Buffer.from(id, 'base64url').length === 16)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
