import { Type, type Static } from '@sinclair/typebox';
import { errorResponses } from '../http/error-body';

/*
 * Public API of the notifications service: the one source for its route (`/notifications`) and for
 * the gateway's OpenAPI document (`/api/notifications`).
 */

export const NotificationsQuery = Type.Object(
  { orderId: Type.String({ minLength: 1, maxLength: 64, description: 'Id of the order whose notifications to list' }) },
  { additionalProperties: false },
);
export type NotificationsQuery = Static<typeof NotificationsQuery>;

export const NotificationStatus = Type.Union([Type.Literal('sending'), Type.Literal('sent')], {
  description: '`sending` while the message is handed to the channel (or if that was interrupted); `sent` once accepted',
});

export const Notification = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    eventId: Type.String({ format: 'uuid', description: 'The order event that caused it' }),
    orderId: Type.String(),
    channel: Type.Union([Type.Literal('smtp'), Type.Literal('ses'), Type.Literal('log')]),
    recipient: Type.String(),
    subject: Type.String(),
    status: NotificationStatus,
    sentAt: Type.String({ format: 'date-time', description: 'When it was sent (claim time while sending)' }),
  },
  { additionalProperties: false, $id: 'Notification', title: 'Notification' },
);
export type Notification = Static<typeof Notification>;

export const NotificationList = Type.Object(
  { items: Type.Array(Notification, { description: 'Oldest first' }) },
  { additionalProperties: false, $id: 'NotificationList', title: 'NotificationList' },
);
export type NotificationList = Static<typeof NotificationList>;

/** The route schema of `GET /notifications`, for the service and for the gateway's document; createServiceApp adds its 400. */
export const notificationsApi = {
  list: {
    tags: ['notifications'],
    summary: 'List the notifications sent for an order',
    querystring: NotificationsQuery,
    response: { 200: NotificationList, ...errorResponses(503) },
  },
} as const;
