import type { Notification } from '../../shared/api/notifications';
import { DuplicateKeyError, fromSqlTimestamp, toSqlTimestamp, type SqlClient } from '../../shared/sql';

export interface NotificationClaim {
  readonly id: string;
  readonly eventId: string;
  readonly orderId: string;
  /** The user who placed the order. */
  readonly userId: string;
  readonly channel: Notification['channel'];
  readonly recipient: string;
  readonly subject: string;
}

interface NotificationRow {
  id: string;
  event_id: string;
  order_id: string;
  channel: Notification['channel'];
  recipient: string;
  subject: string;
  status: Notification['status'];
  sent_at: string;
}

/**
 * The `notifications` table: one row per event, claimed before sending (`sending`) and confirmed
 * after (`sent`). The unique event id makes the claim the de-duplication point.
 */
export function createNotificationStore(sql: SqlClient) {
  return {
    /** True when this caller now owns the event; false when the event was claimed before (sent, or being sent). */
    async claim(claim: NotificationClaim, at: Date): Promise<boolean> {
      try {
        await sql.execute(
          `INSERT INTO notifications (id, event_id, order_id, user_id, channel, recipient, subject, status, sent_at)
           VALUES (:id, :eventId, :orderId, :userId, :channel, :recipient, :subject, 'sending', :at)`,
          { ...claim, at: toSqlTimestamp(at) },
        );
        return true;
      } catch (error) {
        if (error instanceof DuplicateKeyError) return false;
        throw error;
      }
    },

    async markSent(id: string, at: Date): Promise<void> {
      await sql.execute("UPDATE notifications SET status = 'sent', sent_at = :at WHERE id = :id", { id, at: toSqlTimestamp(at) });
    },

    /** Gives up a claim whose send failed, so a redelivery of the event tries again. */
    async releaseClaim(id: string): Promise<void> {
      await sql.execute("DELETE FROM notifications WHERE id = :id AND status = 'sending'", { id });
    },

    /** The notifications of an order; with `userId`, only if that user placed it (an empty list otherwise). */
    async listByOrder(orderId: string, userId?: string): Promise<Notification[]> {
      const rows = await sql.query<NotificationRow>(
        `SELECT id, event_id, order_id, channel, recipient, subject, status, sent_at FROM notifications
         WHERE order_id = :orderId${userId === undefined ? '' : ' AND user_id = :userId'} ORDER BY sent_at, id`,
        userId === undefined ? { orderId } : { orderId, userId },
      );
      return rows.map((row) => ({
        id: row.id,
        eventId: row.event_id,
        orderId: row.order_id,
        channel: row.channel,
        recipient: row.recipient,
        subject: row.subject,
        status: row.status,
        sentAt: fromSqlTimestamp(row.sent_at),
      }));
    },
  };
}
export type NotificationStore = ReturnType<typeof createNotificationStore>;
