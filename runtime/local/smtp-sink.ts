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
}

export interface SmtpSinkHandle {
  /** `smtp://127.0.0.1:PORT`, the value of SMTP_URL. */
  readonly url: string;
  readonly received: readonly ReceivedMail[];
  stop(): Promise<void>;
}

/** A local SMTP server that accepts every message without authentication and delivers it nowhere. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSinkHandle> {
  const port = options.port ?? (await freePort());
  const received: ReceivedMail[] = [];
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
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
