import type { S3Event } from 'aws-lambda';
import { inject } from 'vitest';
import type { LocalBackendEnv } from '../../runtime/local/backends';
import type { RunningIdentityProvider } from '../../runtime/local/identity-provider';

/** What global-setup.ts hands every integration test. */
export interface ProvidedBackends {
  /** The services' environment for these backends (docs/runtime-contract.md). */
  readonly env: LocalBackendEnv;
  readonly catalogBucket: string;
  /** Data and logs of this test run. */
  readonly stateDir: string;
  /** The global setup's control endpoint; use the functions below rather than calling it directly. */
  readonly controlUrl: string;
  /**
   * The local OpenID Connect provider of this run: pass it to startServices as `identityProvider`, and
   * get tokens with `requestAccessToken({ issuer, email })` (runtime/local/access-token.ts).
   */
  readonly identityProvider: Omit<RunningIdentityProvider, 'stop'>;
  /** The run's OpenTelemetry Collector: `endpoint` is also `env.OTEL_EXPORTER_OTLP_ENDPOINT`; it writes OTLP-JSON lines to `tracesFile`. */
  readonly otelCollector: { readonly endpoint: string; readonly tracesFile: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    localBackends: ProvidedBackends;
  }
}

/** One S3 object-created notification and what the catalog-ingest handler made of it. */
export interface RecordedS3Notification {
  readonly event: S3Event;
  /** `ok`, or the handler's error message. */
  readonly outcome: string;
}

export const localBackends = (): ProvidedBackends => inject('localBackends');

async function control(method: 'GET' | 'POST', path: string): Promise<unknown> {
  const response = await fetch(new URL(path, localBackends().controlUrl), { method });
  if (!response.ok) throw new Error(`${method} ${path} failed with ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Stops the Kafka broker (an outage) until restartKafka(); always restart it in a `finally`. */
export async function stopKafka(): Promise<void> {
  await control('POST', '/kafka/stop');
}

/** Starts the broker again on the same port with the same data; resolves once it serves requests. */
export async function restartKafka(): Promise<void> {
  await control('POST', '/kafka/start');
}

export async function receivedS3Notifications(): Promise<RecordedS3Notification[]> {
  return (await control('GET', '/s3/notifications')) as RecordedS3Notification[];
}
