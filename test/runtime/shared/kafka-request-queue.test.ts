import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../../runtime/shared/kafka';

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const newQueue = () => new RequestQueue({ logger: silentLogger, clientId: 'test', broker: '127.0.0.1:9092', maxInFlightRequests: 1 });

afterEach(() => vi.useRealTimers());

describe('KafkaJS request queue, as runtime/shared/kafka fixes it', () => {
  it('arms no timer when no request waits (KafkaJS 2.2.4 re-arms one every millisecond)', () => {
    vi.useFakeTimers();
    const queue = newQueue();
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('checks waiting requests again when the broker throttle ends', () => {
    vi.useFakeTimers();
    const queue = newQueue();
    queue.throttledUntil = Date.now() + 250;
    queue.pending.push({ correlationId: 1 });
    const checks = vi.spyOn(queue, 'checkPendingRequests').mockImplementation(() => undefined);

    queue.scheduleCheckPendingRequests();
    vi.advanceTimersByTime(249);
    expect(checks).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(checks).toHaveBeenCalledTimes(1);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });
});
