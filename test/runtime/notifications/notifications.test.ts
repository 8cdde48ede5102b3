import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotFoundError, DependencyUnavailableError } from '../../../runtime/shared/errors';
import type { OrderPlaced } from '../../../runtime/shared/events';
import { UnprocessableEventError } from '../../../runtime/shared/kafka/event-consumer';
import type { ServiceApp } from '../../../runtime/shared/server';
import { SqlUnavailableError } from '../../../runtime/shared/sql';
import { buildApp } from '../../../runtime/notifications/src/app';
import type { NotificationClaim } from '../../../runtime/notifications/src/notification-store';
import { confirmationMessage, createOrderConfirmations, formatMoney } from '../../../runtime/notifications/src/order-confirmations';
import { ADA, GRACE, asAdmin, asService, asUser } from '../shared/callers';
import { sample } from '../telemetry/metric-sample';

const USER = randomUUID();
const event = (overrides: Partial<OrderPlaced> = {}): OrderPlaced => ({
  eventId: randomUUID(),
  type: 'OrderPlaced',
  version: 1,
  occurredAt: '2026-11-27T12:00:00.000Z',
  payload: { orderId: randomUUID(), userId: USER, items: [{ productId: 'sku-apple', quantity: 2, unitPriceCents: 120 }], totalCents: 240, currency: 'EUR' },
  ...overrides,
});

/** The claim semantics of the notifications table: one row per event id. */
function memoryStore() {
  const rows = new Map<string, NotificationClaim & { status: string }>();
  return {
    rows,
    claim: vi.fn(async (claim: NotificationClaim) => {
      if ([...rows.values()].some((row) => row.eventId === claim.eventId)) return false;
      rows.set(claim.id, { ...claim, status: 'sending' });
      return true;
    }),
    markSent: vi.fn(async (id: string) => void (rows.get(id)!.status = 'sent')),
    releaseClaim: vi.fn(async (id: string) => void rows.delete(id)),
  };
}

function setup(now?: () => Date) {
  const store = memoryStore();
  const channel = { name: 'smtp' as const, send: vi.fn(async () => undefined) };
  const users = {
    getUser: vi.fn(async (id: string) => {
      if (id !== USER) throw new NotFoundError('user', id);
      return { id, email: 'ada@example.com', name: 'Ada' };
    }),
  };
  const confirmations = createOrderConfirmations({ users, channel, store, log: { info: vi.fn(), error: vi.fn() }, ...(now ? { now } : {}) });
  return { store, channel, users, confirmations };
}

describe('order confirmations', () => {
  it('sends one confirmation per event and records it as sent', async () => {
    const { confirmations, channel, store } = setup();
    const placed = event();
    await confirmations.handle(placed);
    expect(channel.send).toHaveBeenCalledWith(confirmationMessage(placed, { id: USER, email: 'ada@example.com', name: 'Ada' }));
    expect([...store.rows.values()]).toEqual([
      expect.objectContaining({ eventId: placed.eventId, orderId: placed.payload.orderId, userId: USER, recipient: 'ada@example.com', status: 'sent', channel: 'smtp' }),
    ]);
  });

  it('sends nothing for a redelivered event', async () => {
    const { confirmations, channel, store } = setup();
    const placed = event();
    await confirmations.handle(placed);
    await confirmations.handle(placed);
    expect(channel.send).toHaveBeenCalledTimes(1);
    expect(store.rows.size).toBe(1);
  });

  it('measures each send by channel and outcome, and the time from the order to its confirmation', async () => {
    // The send ends 3.5 s after the order's event occurred.
    const { confirmations, channel } = setup(() => new Date(Date.parse('2026-11-27T12:00:03.500Z')));
    const registry = new Registry();
    confirmations.registerMetrics(registry);
    channel.send.mockRejectedValueOnce(new Error('SMTP 451 try again later'));
    const placed = event();
    await expect(confirmations.handle(placed)).rejects.toThrow('SMTP 451');
    await confirmations.handle(placed);
    expect(await sample(registry, 'notification_send_duration_seconds_count', { channel: 'smtp', outcome: 'error' })).toBe(1);
    expect(await sample(registry, 'notification_send_duration_seconds_count', { channel: 'smtp', outcome: 'ok' })).toBe(1);
    // Only the send that went out has a pipeline latency.
    expect(await sample(registry, 'notifications_order_to_send_seconds_count')).toBe(1);
    expect(await sample(registry, 'notifications_order_to_send_seconds_sum')).toBe(3.5);
    expect(await sample(registry, 'notifications_sent_total', { channel: 'smtp' })).toBe(1);
  });

  it('gives the claim back when the send fails, so the retry sends', async () => {
    const { confirmations, channel, store } = setup();
    channel.send.mockRejectedValueOnce(new Error('SMTP 451 try again later'));
    const placed = event();
    await expect(confirmations.handle(placed)).rejects.toThrow('SMTP 451');
    expect(store.rows.size).toBe(0);
    await confirmations.handle(placed);
    expect(channel.send).toHaveBeenCalledTimes(2);
    expect([...store.rows.values()][0]!.status).toBe('sent');
  });

  it('declares an event of an unknown user unprocessable (dead letter) and retries when users is down', async () => {
    const { confirmations, users, channel } = setup();
    await expect(confirmations.handle(event({ payload: { ...event().payload, userId: randomUUID() } }))).rejects.toBeInstanceOf(UnprocessableEventError);
    users.getUser.mockRejectedValueOnce(new DependencyUnavailableError('users'));
    await expect(confirmations.handle(event())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(channel.send).not.toHaveBeenCalled();
  });

  it('formats minor units with the currency’s decimals', () => {
    expect(formatMoney(123_456, 'EUR')).toBe('€1,234.56');
    expect(formatMoney(500, 'JPY')).toBe('¥500');
  });
});

describe('GET /notifications', () => {
  let app: ServiceApp | undefined;
  afterEach(async () => app?.close());

  const notification = { id: randomUUID(), eventId: randomUUID(), orderId: 'o-1', channel: 'smtp' as const, recipient: 'ada@example.com', subject: 's', status: 'sent' as const, sentAt: '2026-11-27T12:00:00.000Z' };

  /** Ada's order o-1 has a notification; the filter is the store's `listByOrder(orderId, userId?)`. */
  const adasNotifications = vi.fn(async (orderId: string, userId?: string) => (orderId === 'o-1' && (userId === undefined || userId === ADA) ? [notification] : []));
  const list = (url: string, headers: Record<string, string> = asUser(ADA)) => app!.inject({ method: 'GET', url, headers });

  it('lists the notifications of the caller’s own order', async () => {
    app = buildApp({ store: { listByOrder: adasNotifications }, readiness: {}, logger: false });
    const found = await list('/notifications?orderId=o-1');
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ items: [notification] });
    expect((await list('/notifications?orderId=o-2')).json()).toEqual({ items: [] });
  });

  it('answers another shopper an empty list, the same as for an order without notifications; an administrator sees them', async () => {
    app = buildApp({ store: { listByOrder: adasNotifications }, readiness: {}, logger: false });
    const byGrace = await list('/notifications?orderId=o-1', asUser(GRACE));
    expect(byGrace.statusCode).toBe(200);
    expect(byGrace.json()).toEqual({ items: [] });
    expect(adasNotifications).toHaveBeenLastCalledWith('o-1', GRACE);
    expect((await list('/notifications?orderId=o-1', asAdmin())).json()).toEqual({ items: [notification] });
    expect(adasNotifications).toHaveBeenLastCalledWith('o-1', undefined);
  });

  it('refuses a request without a caller with 401 and a service with 403, reading nothing', async () => {
    const listByOrder = vi.fn(async () => [notification]);
    app = buildApp({ store: { listByOrder }, readiness: {}, logger: false });
    const anonymous = await list('/notifications?orderId=o-1', {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    expect((await list('/notifications?orderId=o-1', asService('orders'))).statusCode).toBe(403);
    expect(listByOrder).not.toHaveBeenCalled();
  });

  it.each([
    ['a missing orderId', '/notifications', 'orderId'],
    ['an empty orderId', '/notifications?orderId=', 'querystring.orderId'],
    ['an overlong orderId', `/notifications?orderId=${'x'.repeat(65)}`, 'querystring.orderId'],
    ['an unknown parameter', '/notifications?orderId=o-1&userId=u', 'userId'],
  ])('rejects %s with 400 in the error shape', async (_case, url, field) => {
    const listByOrder = vi.fn(async () => []);
    app = buildApp({ store: { listByOrder }, readiness: {}, logger: false });
    const response = await list(url);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining(field) } });
    expect(listByOrder).not.toHaveBeenCalled();
  });

  it('answers 503 when the database is down', async () => {
    app = buildApp({ store: { listByOrder: async () => Promise.reject(new SqlUnavailableError('down')) }, readiness: {}, logger: false });
    const response = await list('/notifications?orderId=o-1');
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('DEPENDENCY_UNAVAILABLE');
  });
});
