/**
 * Versioned schema changes, applied in order and exactly once per database by `runMigrations`.
 * Append new versions; never edit one that has shipped. They live in code rather than .sql files so
 * the deploy-time migration Lambda and the services bundle them without file-system lookups.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users',
    statements: [
      `CREATE TABLE IF NOT EXISTS users (
        id CHAR(36) NOT NULL PRIMARY KEY,
        email VARCHAR(254) NOT NULL,
        name VARCHAR(200) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY uq_users_email (email),
        KEY ix_users_created (created_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    ],
  },
  {
    version: 2,
    name: 'orders, order items, outbox, idempotency keys',
    statements: [
      `CREATE TABLE IF NOT EXISTS orders (
        id CHAR(36) NOT NULL PRIMARY KEY,
        user_id CHAR(36) NOT NULL,
        status VARCHAR(20) NOT NULL,
        total_cents BIGINT NOT NULL,
        currency CHAR(3) NOT NULL,
        reservation_id VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_orders_user (user_id, created_at, id),
        KEY ix_orders_created (created_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      `CREATE TABLE IF NOT EXISTS order_items (
        order_id CHAR(36) NOT NULL,
        line_no SMALLINT NOT NULL,
        product_id VARCHAR(64) NOT NULL,
        quantity INT NOT NULL,
        unit_price_cents BIGINT NOT NULL,
        PRIMARY KEY (order_id, line_no),
        CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      `CREATE TABLE IF NOT EXISTS outbox (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        event_id CHAR(36) NOT NULL,
        topic VARCHAR(200) NOT NULL,
        message_key VARCHAR(200) NOT NULL,
        payload MEDIUMTEXT NOT NULL,
        created_at DATETIME(3) NOT NULL,
        published_at DATETIME(3) NULL,
        UNIQUE KEY uq_outbox_event (event_id),
        KEY ix_outbox_pending (published_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      `CREATE TABLE IF NOT EXISTS idempotency_keys (
        idempotency_key VARCHAR(255) NOT NULL PRIMARY KEY,
        request_hash CHAR(64) NOT NULL,
        order_id CHAR(36) NOT NULL,
        created_at DATETIME(3) NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    ],
  },
  {
    version: 3,
    name: 'notifications',
    statements: [
      `CREATE TABLE IF NOT EXISTS notifications (
        id CHAR(36) NOT NULL PRIMARY KEY,
        event_id CHAR(36) NOT NULL,
        order_id VARCHAR(64) NOT NULL,
        channel VARCHAR(20) NOT NULL,
        recipient VARCHAR(254) NOT NULL,
        subject VARCHAR(300) NOT NULL,
        status VARCHAR(20) NOT NULL,
        sent_at DATETIME(3) NOT NULL,
        UNIQUE KEY uq_notifications_event (event_id),
        KEY ix_notifications_order (order_id, sent_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    ],
  },
  {
    version: 4,
    name: 'index for the idempotency keys retention',
    // MySQL 8 (Aurora MySQL 3) has no CREATE INDEX IF NOT EXISTS, which only MariaDB accepts; a version runs once.
    statements: ['CREATE INDEX ix_idempotency_created ON idempotency_keys (created_at)'],
  },
  {
    version: 5,
    name: 'the user of each notification, so a shopper lists only those of their own orders',
    statements: [
      // Rows from before stay without a user: only administrators see them. Plain MySQL 8 syntax (Aurora MySQL 3 has no ADD COLUMN IF NOT EXISTS); a version runs once.
      'ALTER TABLE notifications ADD COLUMN user_id CHAR(36) NULL AFTER order_id',
    ],
  },
  {
    version: 6,
    name: 'the trace context of each outbox event, so its publish continues the trace of the order that wrote it',
    // W3C trace context headers as JSON (`traceparent`, `tracestate`); NULL for rows written untraced or before. Plain MySQL 8 syntax; a version runs once.
    statements: ['ALTER TABLE outbox ADD COLUMN trace_context VARCHAR(1024) NULL AFTER payload'],
  },
];
