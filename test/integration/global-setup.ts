import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalBackends, type LocalBackends } from '../../runtime/local/backends';
import { invokeCatalogIngest } from '../../runtime/local/catalog-ingest';
import { startIdentityProvider, type RunningIdentityProvider } from '../../runtime/local/identity-provider';
import { consoleProgress } from '../../runtime/local/progress';
import { provisionSchemas } from '../../runtime/local/provision';
import { createRunDir } from '../../runtime/local/workspace';
import type { RecordedS3Notification } from './backends';

/**
 * Starts the real local backends (with the OpenTelemetry Collector) and the identity provider once for the integration project, with the
 * same code as `npm start`, provisions the schemas, and hands their environment to the tests (see ./backends.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const progress = consoleProgress();
  const stateDir = await createRunDir('test');
  const notifications: RecordedS3Notification[] = [];
  const backends = await startLocalBackends({
    stateDir,
    progress,
    async onObjectCreated(event) {
      try {
        await invokeCatalogIngest(event);
        notifications.push({ event, outcome: 'ok' });
      } catch (error) {
        notifications.push({ event, outcome: error instanceof Error ? error.message : String(error) });
      }
    },
  });
  let controlServer: Server | undefined;
  let identity: RunningIdentityProvider | undefined;
  try {
    // The catalog-ingest handler runs in this process and reads its endpoints from the environment.
    Object.assign(process.env, backends.env);
    const provisioned = await provisionSchemas(backends.env);
    progress('setup', `migrations applied: [${provisioned.appliedMigrations.join(', ')}], table ${provisioned.productsTable} ready`);
    controlServer = await startControlServer(backends, notifications);
    identity = await startIdentityProvider({ port: 'free', stateDir: join(stateDir, 'identity-provider') });
  } catch (error) {
    controlServer?.close();
    await backends.stop();
    throw error;
  }
  const { port } = controlServer.address() as AddressInfo;
  const { issuer, audience, clientId, groupsClaim } = identity;
  project.provide('localBackends', {
    env: backends.env,
    catalogBucket: backends.s3.bucket,
    stateDir,
    controlUrl: `http://127.0.0.1:${port}`,
    identityProvider: { issuer, audience, clientId, groupsClaim },
    otelCollector: { endpoint: backends.otelCollector.endpoint, tracesFile: backends.otelCollector.tracesFile },
  });
  progress('setup', `backends ready; data and logs in ${stateDir}`);

  return async () => {
    await new Promise((resolve) => controlServer.close(resolve));
    await identity.stop();
    await backends.stop();
  };
}

/**
 * Tests run in worker processes, while the backends belong to this one; this loopback endpoint lets a
 * test stop and restart the Kafka broker and read the S3 notifications delivered so far.
 */
async function startControlServer(backends: LocalBackends, notifications: readonly RecordedS3Notification[]): Promise<Server> {
  const routes: Record<string, () => Promise<unknown>> = {
    'POST /kafka/stop': async () => {
      await backends.kafka.stopBroker();
      return { stopped: true };
    },
    'POST /kafka/start': async () => {
      await backends.kafka.startBroker();
      return { brokers: backends.kafka.brokers };
    },
    'GET /s3/notifications': async () => {
      await backends.s3.idle();
      return notifications;
    },
  };
  const server = createServer((request, response) => {
    const route = routes[`${request.method} ${request.url}`];
    const reply = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!route) return reply(404, { error: `no route ${request.method} ${request.url}` });
    route().then(
      (body) => reply(200, body),
      (error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
