import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalBackends } from './backends';
import { invokeCatalogIngest } from './catalog-ingest';
import { tailOfFile } from './child-process';
import { startIdentityProvider } from './identity-provider';
import { DEFAULT_PROVIDER_PORT } from './local-identity';
import { acceptsConnections } from './network';
import { DEFAULT_OTLP_HTTP_PORT, DEFAULT_TRACES_FILE } from './otel-collector';
import { MissingPrerequisitesError } from './prerequisites';
import { consoleProgress } from './progress';
import { provisionSchemas } from './provision';
import { startServices } from './services';
import { startSmtpSink } from './smtp-sink';
import { createRunDir } from './workspace';

/*
 * `npm start`: the whole shop on this machine. Backends from Maven Central, the Go module proxy and npm, the schemas,
 * an SMTP sink, the identity provider, the analytics job and the five services; Ctrl-C stops everything in reverse order.
 */

interface Row {
  readonly name: string;
  readonly address: string;
  readonly pid: number | string;
  readonly log: string;
}

const progress = consoleProgress();
const stoppers: { name: string; stop: () => Promise<void> }[] = [];
let shuttingDown: Promise<void> | undefined;

function shutDown(exitCode: number): Promise<void> {
  shuttingDown ??= (async () => {
    for (const { name, stop } of stoppers.reverse()) {
      progress(name, 'stopping');
      await stop().catch((error: unknown) => progress(name, `failed to stop: ${String(error)}`));
    }
    process.exit(exitCode);
  })();
  return shuttingDown;
}

// One Ctrl-C reaches the launcher several times within milliseconds: from the terminal, and relayed
// by npm and by tsx's CLI. Only a signal well after the first means "exit now, don't wait".
const REPEATED_SIGNAL_GRACE_MS = 2000;
let firstSignalAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      progress('launcher', `${signal}: stopping (press Ctrl-C again to exit at once)`);
      void shutDown(0);
    } else if (Date.now() - firstSignalAt > REPEATED_SIGNAL_GRACE_MS) {
      progress('launcher', `${signal} again: exiting without waiting`);
      process.exit(130);
    }
  });
}

async function main(): Promise<void> {
  const stateDir = await createRunDir('start');
  const logsDir = join(stateDir, 'logs');
  progress('launcher', `data and logs of this run: ${stateDir}`);

  // Services export to OTEL_EXPORTER_OTLP_ENDPOINT whatever port it is; `npm run trace` reads the default file first.
  const otlpPortTaken = await acceptsConnections(DEFAULT_OTLP_HTTP_PORT);
  const tracesFile = otlpPortTaken ? join(stateDir, 'otel', 'traces.jsonl') : DEFAULT_TRACES_FILE;
  if (otlpPortTaken) progress('otel-collector', `port ${DEFAULT_OTLP_HTTP_PORT} is taken, using a free one`);
  const backends = await startLocalBackends({
    stateDir,
    otlpPort: otlpPortTaken ? undefined : DEFAULT_OTLP_HTTP_PORT,
    tracesFile,
    progress,
    onObjectCreated: async (event) => {
      const keys = event.Records.map((record) => record.s3.object.key).join(', ');
      progress('catalog-ingest', `invoked for ${keys}`);
      await invokeCatalogIngest(event);
      progress('catalog-ingest', `done with ${keys}`);
    },
  });
  stoppers.push({ name: 'backends', stop: backends.stop });
  // The catalog-ingest handler runs in this process and reads its endpoints from the environment.
  Object.assign(process.env, backends.env);

  const provisioned = await provisionSchemas(backends.env);
  progress('schemas', `migrations applied: [${provisioned.appliedMigrations.join(', ')}]; DynamoDB table ${provisioned.productsTable} ready`);

  const mailLog = join(logsDir, 'smtp.log');
  const smtp = await startSmtpSink({
    onMail: (mail) => {
      progress('smtp', `mail to ${mail.to.join(', ')}: ${mail.subject}`);
      appendFileSync(mailLog, `--- ${mail.receivedAt} from ${mail.from} to ${mail.to.join(', ')}\n${mail.raw}\n`);
    },
  });
  stoppers.push({ name: 'smtp', stop: smtp.stop });

  // `npm run token` looks on the default port; elsewhere it needs OIDC_ISSUER, which the note below gives.
  const providerPortTaken = await acceptsConnections(DEFAULT_PROVIDER_PORT);
  const identity = await startIdentityProvider({ port: providerPortTaken ? 'free' : DEFAULT_PROVIDER_PORT });
  stoppers.push({ name: 'identity', stop: identity.stop });
  progress(
    'identity',
    providerPortTaken
      ? `port ${DEFAULT_PROVIDER_PORT} is taken; issuer ${identity.issuer}, get tokens with OIDC_ISSUER=${identity.issuer} npm run token -- <email>`
      : `issuer ${identity.issuer}; get a token with npm run token -- ada@example.com`,
  );

  // The job may first build its jar with Maven, for minutes; the services start meanwhile.
  const analyticsStarted = startAnalytics(backends.env.KAFKA_BROKERS, join(stateDir, 'analytics'));
  const services = await startServices({
    env: { ...backends.env, NOTIFY_CHANNEL: 'smtp', SMTP_URL: smtp.url, NOTIFY_FROM: 'shop@example.com' },
    identityProvider: identity,
    logsDir,
    progress,
  });
  stoppers.push({ name: 'services', stop: services.stop });
  for (const { name, child } of services.services) {
    void child.exited.then((code) => {
      if (shuttingDown) return;
      progress(name, `exited unexpectedly (code ${code}); last lines of ${child.logFile}:\n${tailOfFile(child.logFile, 20)}`);
    });
  }

  const analyticsRow = await analyticsStarted;
  const rows: Row[] = [
    ...services.services.map(({ name, url, child }) => ({ name, address: url, pid: child.pid, log: child.logFile })),
    { name: 'mariadb', address: backends.env.MYSQL_URL, pid: backends.mariadb.pid ?? 'external', log: backends.mariadb.logFile ?? '-' },
    { name: 'kafka', address: backends.env.KAFKA_BROKERS, pid: backends.kafka.pid(), log: backends.kafka.logFile },
    { name: 'dynamodb-api', address: backends.env.DYNAMODB_ENDPOINT, pid: backends.dynamodb.pid, log: backends.dynamodb.logFile },
    { name: 's3', address: `${backends.env.S3_ENDPOINT}/${backends.s3.bucket}`, pid: `${process.pid} (launcher)`, log: '-' },
    { name: 'smtp', address: smtp.url, pid: `${process.pid} (launcher)`, log: mailLog },
    { name: 'identity', address: identity.issuer, pid: `${process.pid} (launcher)`, log: '-' },
    { name: 'otel-collector', address: backends.env.OTEL_EXPORTER_OTLP_ENDPOINT, pid: backends.otelCollector.pid, log: backends.otelCollector.logFile },
    ...(analyticsRow ? [analyticsRow] : []),
  ];
  const traceCommand = otlpPortTaken ? `npm run trace -- --file ${tracesFile} <request id>` : 'npm run trace -- <request id>';
  process.stdout.write(
    `\n${formatTable(rows)}\n\nThe shop is up: ${services.gatewayUrl}  (API docs: ${services.gatewayUrl}/docs)\n` +
      `Spans go to ${tracesFile}; see a request's trace with ${traceCommand} (its x-request-id header).\nPress Ctrl-C to stop.\n`,
  );
}

/**
 * Starts the local Flink job (runtime/local/analytics-job.ts, owned by the analytics side). The shop
 * works without it, only `/api/analytics/windows` stays empty, so a failure is reported, not fatal.
 */
async function startAnalytics(brokers: string, stateDir: string): Promise<Row | undefined> {
  try {
    const { startAnalyticsJob } = await import('./analytics-job');
    progress('analytics', 'starting the analytics job');
    const job = await startAnalyticsJob({ brokers, stateDir, log: (message) => progress('analytics', message) });
    stoppers.push({ name: 'analytics', stop: () => job.stop() });
    progress('analytics', 'running');
    return { name: 'analytics', address: `Flink MiniCluster on Kafka ${brokers}`, pid: job.pid, log: job.logFile };
  } catch (error) {
    progress('analytics', `NOT RUNNING, the shop runs without analytics: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function formatTable(rows: readonly Row[]): string {
  const header: Row = { name: 'name', address: 'address', pid: 'pid', log: 'log' };
  const all = [header, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((row) => String(row[key]).length));
  const widths = { name: width('name'), address: width('address'), pid: width('pid') };
  return all.map((row) => `${row.name.padEnd(widths.name)}  ${row.address.padEnd(widths.address)}  ${String(row.pid).padEnd(widths.pid)}  ${row.log}`).join('\n');
}

main().catch(async (error: unknown) => {
  const reason = error instanceof MissingPrerequisitesError ? error.message : `The shop failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`\n${reason}\n`);
  await shutDown(1);
});
