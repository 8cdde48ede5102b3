import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';

export type ChannelName = 'smtp' | 'ses' | 'log';

export interface OutgoingMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Where notifications leave the platform. `send` resolves once the channel accepted the message. */
export interface NotificationChannel {
  readonly name: ChannelName;
  send(message: OutgoingMessage): Promise<void>;
  close(): Promise<void>;
}

/** Mail over SMTP (the local SMTP sink, or any relay). */
export function createSmtpChannel(options: { url: string; from: string }): NotificationChannel {
  // Pooled: a connection and its greeting per message cost about 100 ms on loopback before the mail
  // itself, and the consumer sends one message at a time per partition.
  const url = new URL(options.url);
  url.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(url.href, { from: options.from });
  return {
    name: 'smtp',
    async send(message) {
      await transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
    },
    async close() {
      transport.close();
    },
  };
}

/** Mail through Amazon SES (v2 API), authorised by the pod's IAM role. */
export function createSesChannel(options: { from: string; client?: SESv2Client }): NotificationChannel {
  const client = options.client ?? new SESv2Client({});
  return {
    name: 'ses',
    async send(message) {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [message.to] },
          Content: { Simple: { Subject: { Data: message.subject, Charset: 'UTF-8' }, Body: { Text: { Data: message.text, Charset: 'UTF-8' } } } },
        }),
      );
    },
    async close() {
      client.destroy();
    },
  };
}

/** `ada@example.com` as `a***@example.com`: enough to tell recipients apart in a log, not an address to collect. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 1 ? '***' : `${address[0]}***${address.slice(at)}`;
}

/**
 * Writes the message to the log instead of sending it (development, or environments without mail), with the
 * recipient masked: logs are shipped and kept where email addresses must not be.
 */
export function createLogChannel(log: Pick<FastifyBaseLogger, 'info'>): NotificationChannel {
  return {
    name: 'log',
    async send(message) {
      log.info({ notification: { ...message, to: maskEmail(message.to) } }, 'notification (log channel)');
    },
    async close() {},
  };
}
