import { SMTPServer } from 'smtp-server';
import { freePort } from './network';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** The whole message as received, headers and body. */
  readonly raw: string;
  readonly receivedAt: string;
}

export interface SmtpSinkOptions {
  /** @default a free port */
  readonly port?: number;
  /** Called for every message accepted. */
  readonly onMail?: (mail: ReceivedMail) => void;
  /**
   * Decides, per message, to refuse it with a temporary failure (SMTP 451) by returning the reason:
   * a mail server that is up but not accepting, for tests of the sender's retries.
   * @default accept every message
   */
  readonly refuse?: (mail: ReceivedMail) => string | undefined;
}

export interface SmtpSinkHandle {
  /** `smtp://127.0.0.1:PORT`, the value of SMTP_URL. */
  readonly url: string;
  readonly received: readonly ReceivedMail[];
  /** Messages refused through `refuse`, in the order they were attempted. */
  readonly refused: readonly ReceivedMail[];
  stop(): Promise<void>;
}

/** A local SMTP server that accepts every message without authentication and delivers it nowhere. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSinkHandle> {
  const port = options.port ?? (await freePort());
  const received: ReceivedMail[] = [];
  const refused: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Senders keep pooled connections open; stopping the sink should not wait the default 30 s for them.
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          subject: /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '',
          raw,
          receivedAt: new Date().toISOString(),
        };
        const reason = options.refuse?.(mail);
        if (reason !== undefined) {
          refused.push(mail);
          return callback(Object.assign(new Error(reason), { responseCode: 451 }));
        }
        received.push(mail);
        options.onMail?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refused,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
