import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { UserContact, UsersClient } from '../../shared/clients/users-client';
import { NotFoundError } from '../../shared/errors';
import type { OrderEvent, OrderPlaced } from '../../shared/events/orders-topic';
import { UnprocessableEventError } from '../../shared/kafka/event-consumer';
import { inSpan } from '../../shared/telemetry/spans';
import type { NotificationChannel, OutgoingMessage } from './channels';
import type { NotificationStore } from './notification-store';

export interface OrderConfirmationsDeps {
  readonly users: Pick<UsersClient, 'getUser'>;
  readonly channel: Pick<NotificationChannel, 'name' | 'send'>;
  readonly store: Pick<NotificationStore, 'claim' | 'markSent' | 'releaseClaim'>;
  readonly log: Pick<FastifyBaseLogger, 'info' | 'error'>;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Minor units to a display amount, with the currency's own number of decimals (JPY has none). */
export function formatMoney(cents: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  return format.format(cents / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

export function confirmationMessage(event: OrderPlaced, user: UserContact): OutgoingMessage {
  const { orderId, items, totalCents, currency } = event.payload;
  const lines = items.map((item) => `  ${item.quantity} x ${item.productId} at ${formatMoney(item.unitPriceCents, currency)}`);
  return {
    to: user.email,
    subject: `Your order ${orderId} is confirmed`,
    text: [`Hello ${user.name},`, '', `thank you for your order ${orderId}.`, '', ...lines, '', `Total: ${formatMoney(totalCents, currency)}`, ''].join('\n'),
  };
}

/**
 * Sends one order confirmation per OrderPlaced event, never two: the event id is claimed in the
 * notifications table before sending, so a redelivered event finds the claim and sends nothing. A
 * failed send gives the claim back and fails, so the consumer retries the message.
 */
export function createOrderConfirmations(deps: OrderConfirmationsDeps) {
  const newId = deps.newId ?? randomUUID;
  const now = deps.now ?? (() => new Date());
  const sent = new Counter({ name: 'notifications_sent_total', help: 'Order confirmations handed to the channel', labelNames: ['channel'], registers: [] });
  const duplicates = new Counter({ name: 'notifications_duplicate_events_total', help: 'Events already notified (redeliveries), sent nothing', registers: [] });
  const sendDuration = new Histogram({
    name: 'notification_send_duration_seconds',
    help: 'Time of one send through the channel, until it accepted the message or failed',
    labelNames: ['channel', 'outcome'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  const orderToSend = new Histogram({
    name: 'notifications_order_to_send_seconds',
    help: "From the order's event (occurredAt) until its confirmation was sent: the whole pipeline's latency",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [],
  });

  /** One send, in the span `notification send` of the event's trace, timed per outcome. */
  async function send(message: OutgoingMessage, event: OrderPlaced): Promise<void> {
    const channel = deps.channel.name;
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'error';
    try {
      await inSpan(
        'notification send',
        { kind: SpanKind.CLIENT, attributes: { 'shop.notification.channel': channel, 'shop.order_id': event.payload.orderId, 'shop.event_id': event.eventId } },
        () => deps.channel.send(message),
      );
      outcome = 'ok';
    } finally {
      sendDuration.observe({ channel, outcome }, (performance.now() - started) / 1000);
    }
    orderToSend.observe(Math.max(0, (now().getTime() - Date.parse(event.occurredAt)) / 1000));
  }

  async function confirm(event: OrderPlaced): Promise<void> {
    const { orderId, userId } = event.payload;
    let user: UserContact;
    try {
      user = await deps.users.getUser(userId);
    } catch (error) {
      if (error instanceof NotFoundError) throw new UnprocessableEventError(`user ${userId} of order ${orderId} does not exist; there is no address to confirm to`);
      throw error;
    }
    const message = confirmationMessage(event, user);
    const id = newId();
    const claimed = await deps.store.claim(
      { id, eventId: event.eventId, orderId, userId, channel: deps.channel.name, recipient: message.to, subject: message.subject },
      now(),
    );
    if (!claimed) {
      duplicates.inc();
      deps.log.info({ eventId: event.eventId, orderId }, 'order already notified (or being notified); sending nothing');
      return;
    }
    try {
      await send(message, event);
    } catch (error) {
      await deps.store.releaseClaim(id).catch((releaseError: unknown) => {
        // The claim stays: a retry will see it and not send, so this confirmation is lost unless an operator acts.
        deps.log.error({ err: releaseError, eventId: event.eventId, orderId }, 'send failed and the claim could not be released');
      });
      throw error;
    }
    await deps.store.markSent(id, now());
    sent.inc({ channel: deps.channel.name });
  }

  return {
    async handle(event: OrderEvent): Promise<void> {
      switch (event.type) {
        case 'OrderPlaced':
          return confirm(event);
      }
    },
    registerMetrics(registry: Registry): void {
      for (const metric of [sent, duplicates, sendDuration, orderToSend]) registry.registerMetric(metric);
    },
  };
}
export type OrderConfirmations = ReturnType<typeof createOrderConfirmations>;
