import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationsConfig } from '../../runtime/notifications/src/config';
import { createNotificationsRuntime } from '../../runtime/notifications/src/notifications-runtime';
import { startSmtpSink, type SmtpSinkHandle } from '../../runtime/local/smtp-sink';
import type { Notification } from '../../runtime/shared/api/notifications';
import { loadConfig } from '../../runtime/shared/config';
import type { OrderPlaced } from '../../runtime/shared/events';
import type { ServiceApp } from '../../runtime/shared/server';
import { asAdmin, asUser } from '../runtime/shared/callers';
import { localBackends } from './backends';
import { eventually, header, listen, readTopic, startStubService, testKafka, type StubService, type TopicReader } from './orders-support';

const { env } = localBackends();
const GRACE = randomUUID(); // the one user the users service knows here

let users: StubService;
let smtp: SmtpSinkHandle;
/** The mail server refuses (451) the confirmation of this order while it is set. */
let refusedOrderId: string | undefined;
let app: ServiceApp;
let notificationsUrl: string;
let producer: Producer;
let deadLetters: TopicReader;

beforeAll(async () => {
  users = await startStubService((request) => {
    if (request.headers['x-caller-service'] !== 'notifications') return [403, { error: { code: 'FORBIDDEN', message: 'internal calls name their service' } }];
    const id = request.url!.split('/').pop();
    return id === GRACE ? [200, { id, email: 'grace@example.com', name: 'Grace', createdAt: 'x', updatedAt: 'x' }] : [404, { error: { code: 'USER_NOT_FOUND', message: 'no' } }];
  });
  smtp = await startSmtpSink({ refuse: (mail) => (refusedOrderId !== undefined && mail.subject.includes(refusedOrderId) ? 'mailbox busy, try again later' : undefined) });
  const config = loadConfig(NotificationsConfig, { ...env, USERS_URL: users.url, NOTIFY_CHANNEL: 'smtp', SMTP_URL: smtp.url, LOG_LEVEL: 'error' });
  app = createNotificationsRuntime(config);
  notificationsUrl = await listen(app);
  producer = testKafka().producer();
  await producer.connect();
  deadLetters = await readTopic('orders.dlq');
  await eventually(async () => ((await fetch(`${notificationsUrl}/readyz`)).status === 200 ? true : undefined), 'notifications ready (consumer joined)');
});

afterAll(async () => {
  await app?.close();
  await producer?.disconnect();
  await deadLetters?.stop();
  await smtp?.stop();
  await users?.close();
});

const orderPlaced = (userId = GRACE): OrderPlaced => {
  const orderId = randomUUID();
  return {
    eventId: randomUUID(),
    type: 'OrderPlaced',
    version: 1,
    occurredAt: new Date().toISOString(),
    payload: { orderId, userId, items: [{ productId: 'sku-tea', quantity: 3, unitPriceCents: 450 }], totalCents: 1350, currency: 'EUR' },
  };
};
const publish = (key: string, value: string) => producer.send({ topic: 'orders', messages: [{ key, value }] });
/** The notifications of an order as `caller` sees them; by default as GRACE, who placed every order here. */
const notificationsOf = async (orderId: string, caller: Record<string, string> = asUser(GRACE)) =>
  ((await (await fetch(`${notificationsUrl}/notifications?orderId=${orderId}`, { headers: caller })).json()) as { items: Notification[] }).items;
const mailsFor = (orderId: string) => smtp.received.filter((mail) => mail.subject.includes(orderId));
const refusedFor = (orderId: string) => smtp.refused.filter((mail) => mail.subject.includes(orderId));
const metric = async (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await (await fetch(`${notificationsUrl}/metrics`)).text())?.[1] ?? 0);

describe('notifications against Kafka, MariaDB and an SMTP server', () => {
  it('mails an order confirmation for OrderPlaced and records it', async () => {
    const event = orderPlaced();
    await publish(event.payload.orderId, JSON.stringify(event));
    const [mail] = await eventually(async () => (mailsFor(event.payload.orderId).length > 0 ? mailsFor(event.payload.orderId) : undefined), 'the confirmation mail');
    expect(mail!.to).toEqual(['grace@example.com']);
    expect(mail!.from).toBe('shop@example.com');
    expect(mail!.raw).toMatch(/Total: \S*13\.50/); // the € sign is quoted-printable
    const [recorded] = await eventually(async () => ((await notificationsOf(event.payload.orderId))[0]?.status === 'sent' ? notificationsOf(event.payload.orderId) : undefined), 'the notification recorded as sent');
    expect(recorded).toMatchObject({ eventId: event.eventId, orderId: event.payload.orderId, channel: 'smtp', recipient: 'grace@example.com', status: 'sent' });
    // Stored with the user of the order: another shopper sees nothing of it, an administrator sees it.
    expect(await notificationsOf(event.payload.orderId, asUser(randomUUID()))).toEqual([]);
    expect(await notificationsOf(event.payload.orderId, asAdmin())).toEqual([recorded]);
  });

  it('sends no second notification for a redelivered event', async () => {
    const event = orderPlaced();
    const duplicatesBefore = await metric('notifications_duplicate_events_total');
    await publish(event.payload.orderId, JSON.stringify(event));
    await eventually(async () => (mailsFor(event.payload.orderId).length > 0 ? true : undefined), 'the first mail');
    await publish(event.payload.orderId, JSON.stringify(event));
    await eventually(async () => ((await metric('notifications_duplicate_events_total')) > duplicatesBefore ? true : undefined), 'the redelivery to be seen');
    expect(mailsFor(event.payload.orderId)).toHaveLength(1);
    expect(await notificationsOf(event.payload.orderId)).toHaveLength(1);
  });

  it('routes invalid and unprocessable messages to orders.dlq with the reason, and goes on with the partition', async () => {
    const key = randomUUID();
    const { eventId: _dropped, ...missingEventId } = orderPlaced();
    const unknownUser = orderPlaced(randomUUID());
    await publish(key, '{"type": "OrderPlaced", ');
    await publish(key, JSON.stringify(missingEventId));
    await publish(key, JSON.stringify({ ...orderPlaced(), payload: { ...orderPlaced().payload, totalCents: -5 } }));
    await publish(key, JSON.stringify(unknownUser));
    const valid = orderPlaced();
    await publish(key, JSON.stringify({ ...valid, payload: { ...valid.payload, orderId: key } }));

    const dead = await deadLetters.waitForKey(key, 4);
    const reasons = dead.map((message) => header(message, 'dlq-reason')!);
    expect(reasons[0]).toMatch(/^value is not JSON/);
    expect(reasons[1]).toMatch(/^value does not match the schema: (.*; )?\/eventId /);
    expect(reasons[2]).toMatch(/^value does not match the schema: (.*; )?\/payload\/totalCents /);
    expect(reasons[3]).toContain(`user ${unknownUser.payload.userId} of order ${unknownUser.payload.orderId} does not exist`);
    for (const message of dead) {
      expect(header(message, 'dlq-source-topic')).toBe('orders');
      expect(header(message, 'dlq-consumer-group')).toBe('notifications');
      expect(header(message, 'dlq-source-offset')).toMatch(/^\d+$/);
    }
    expect(dead[0]!.value!.toString()).toBe('{"type": "OrderPlaced", ');
    // The valid event behind them on the same partition is still confirmed.
    await eventually(async () => (mailsFor(key).length === 1 ? true : undefined), 'the valid event after the invalid ones');
  });

  it('retries a confirmation whose send the mail server refused, records nothing as sent meanwhile, and sends it once accepted', async () => {
    const event = orderPlaced();
    const { orderId } = event.payload;
    refusedOrderId = orderId;
    await publish(orderId, JSON.stringify(event));
    // Two refused attempts: the send was tried, failed, and was tried again.
    const refused = await eventually(async () => (refusedFor(orderId).length >= 2 ? refusedFor(orderId) : undefined), 'two refused attempts to mail the confirmation');
    for (const attempt of refused) expect(attempt.to).toEqual(['grace@example.com']);
    expect((await notificationsOf(orderId)).filter((notification) => notification.status === 'sent')).toEqual([]);

    refusedOrderId = undefined;
    await eventually(async () => (mailsFor(orderId).length > 0 ? true : undefined), 'the mail once the server accepts it');
    const [recorded] = await eventually(async () => ((await notificationsOf(orderId))[0]?.status === 'sent' ? notificationsOf(orderId) : undefined), 'the notification recorded as sent');
    expect(recorded).toMatchObject({ eventId: event.eventId, orderId, status: 'sent' });
    expect(await notificationsOf(orderId)).toHaveLength(1);
    expect(mailsFor(orderId)).toHaveLength(1);
  });
});
