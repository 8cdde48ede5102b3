import { describe, expect, it } from 'vitest';
import { LatestWindows } from '../../../runtime/gateway/src/analytics/latest-windows';
import type { WindowResult } from '../../../runtime/shared/events';

const window = (minute: number, currency: string, orderCount = 1): WindowResult => ({
  windowStart: new Date(Date.UTC(2026, 10, 27, 12, minute)).toISOString(),
  windowEnd: new Date(Date.UTC(2026, 10, 27, 12, minute + 1)).toISOString(),
  orderCount,
  revenueCents: orderCount * 1000,
  currency,
  averageOrderValueCents: 1000,
  topProducts: [{ productId: 'p-1', quantity: orderCount }],
});

describe('LatestWindows', () => {
  it('lists the newest windows first, currencies in order within a window, up to the limit', () => {
    const store = new LatestWindows();
    store.record(window(1, 'USD'));
    store.record(window(3, 'USD'));
    store.record(window(3, 'EUR'));
    store.record(window(2, 'EUR'));
    expect(store.latest(3).map((w) => [w.windowStart.slice(11, 16), w.currency])).toEqual([
      ['12:03', 'EUR'],
      ['12:03', 'USD'],
      ['12:02', 'EUR'],
    ]);
  });

  it('keeps one entry per window and currency: a re-emitted window replaces the earlier result', () => {
    const store = new LatestWindows();
    store.record(window(1, 'EUR', 2));
    store.record({ ...window(1, 'EUR', 5), windowStart: window(1, 'EUR').windowStart.replace('.000Z', 'Z') });
    expect(store.size).toBe(1);
    expect(store.latest(10)[0]?.orderCount).toBe(5);
  });

  it('evicts the oldest window when over capacity, whatever the arrival order', () => {
    const store = new LatestWindows(2);
    store.record(window(5, 'EUR'));
    store.record(window(1, 'EUR'));
    store.record(window(3, 'EUR'));
    expect(store.latest(10).map((w) => w.windowStart.slice(11, 16))).toEqual(['12:05', '12:03']);
  });
});
