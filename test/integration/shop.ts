import { join } from 'node:path';
import { startServices, type RunningServices } from '../../runtime/local/services';
import { startSmtpSink, type SmtpSinkHandle } from '../../runtime/local/smtp-sink';
import { localBackends } from './backends';

/** The five services as their own processes, mailing through an SMTP sink. */
export interface RunningShop {
  readonly gatewayUrl: string;
  readonly services: RunningServices;
  readonly smtp: SmtpSinkHandle;
  /** The services' logs, `<runDir>/logs/<service>.log`. */
  readonly logsDir: string;
  /** Stops the services, then the sink. */
  stop(): Promise<void>;
}

/**
 * The shop as `npm start` runs it, on this run's backends and identity provider: the five services on
 * free ports, quiet below warnings, sending their mail to an SMTP sink of their own.
 */
export async function startShop(runDir: string): Promise<RunningShop> {
  const { env, identityProvider } = localBackends();
  const logsDir = join(runDir, 'logs');
  const smtp = await startSmtpSink();
  let services: RunningServices;
  try {
    services = await startServices({
      env: { ...env, NOTIFY_CHANNEL: 'smtp', SMTP_URL: smtp.url, NOTIFY_FROM: 'shop@example.com' },
      logsDir,
      identityProvider,
      ports: 'free',
      logLevel: 'warn',
    });
  } catch (error) {
    await smtp.stop();
    throw error;
  }
  return {
    gatewayUrl: services.gatewayUrl,
    services,
    smtp,
    logsDir,
    async stop() {
      await services.stop();
      await smtp.stop();
    },
  };
}
