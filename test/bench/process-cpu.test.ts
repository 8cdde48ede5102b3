import { describe, expect, it } from 'vitest';
import { parseStat } from '../../bench/process-cpu';

describe('parseStat', () => {
  it('reads pid, ppid and utime + stime after the command name, which may hold spaces and parentheses', () => {
    const line = '4242 (node (tsx) a b) S 17 4242 17 0 -1 4194560 2000 0 0 0 350 25 0 0 20 0 11 0 9000 1000000 20000 18446744073709551615';
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 17, ticks: 375 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseStat('no stat here')).toThrow(/not a \/proc\/<pid>\/stat line/);
  });
});
