import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../../runtime/gateway/src/circuit-breaker';

function breakerWithClock(failureThreshold = 3, openMs = 1000) {
  let now = 0;
  const transitions: BreakerState[] = [];
  const breaker = new CircuitBreaker({ failureThreshold, openMs, now: () => now, onStateChange: (state) => transitions.push(state) });
  return { breaker, transitions, advance: (ms: number) => (now += ms) };
}

const failTimes = (breaker: CircuitBreaker, times: number) => {
  for (let i = 0; i < times; i++) {
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
  }
};

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and refuses while open', () => {
    const { breaker, transitions } = breakerWithClock(3);
    failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAfterMs()).toBe(1000);
    expect(transitions).toEqual(['open']);
  });

  it('counts only consecutive failures: a success in between resets the count', () => {
    const { breaker } = breakerWithClock(3);
    failTimes(breaker, 2);
    breaker.tryAcquire();
    breaker.succeeded();
    failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('half-opens after openMs, lets exactly one probe through, and closes when it succeeds', () => {
    const { breaker, transitions, advance } = breakerWithClock(1, 1000);
    failTimes(breaker, 1);
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(false);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again for a full period when the probe fails', () => {
    const { breaker, advance } = breakerWithClock(1, 1000);
    failTimes(breaker, 1);
    advance(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('rejects nonsensical settings with a message naming them', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ openMs: -1 })).toThrow(/openMs/);
  });
});
