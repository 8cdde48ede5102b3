import { describe, expect, it } from 'vitest';
import { namedList } from '../../../runtime/shared/sql';

describe('namedList', () => {
  it('turns values into named placeholders and their parameters', () => {
    expect(namedList('id', [4, 7])).toEqual({ sql: ':id0, :id1', params: { id0: 4, id1: 7 } });
    expect(namedList('order', ['a'])).toEqual({ sql: ':order0', params: { order0: 'a' } });
  });
});
