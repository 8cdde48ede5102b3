import { runToCompletion, startChild, type RunningChild, waitUntil } from './child-process';
import { buildGoBinary } from './go-build';
import { freePort } from './network';
import { silentProgress, type Progress } from './progress';

export interface DynamoDbApiOptions {
  readonly logFile: string;
  /** @default a free port */
  readonly port?: number;
  readonly progress?: Progress;
}

export interface DynamoDbApiHandle {
  /** `http://127.0.0.1:PORT`, the value of DYNAMODB_ENDPOINT. */
  readonly endpoint: string;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

const patchedModule = 'vendor/github.com/truora/minidyn';

/**
 * An in-memory implementation of the DynamoDB API (minidyn's HTTP server, Apache-2.0, with two fixes
 * of ours), built with Go from the Go module proxy into .local/. Every request runs under one lock,
 * so conditional writes and transactions are atomic as in DynamoDB. It is not Amazon's DynamoDB: data
 * lives in the process and is gone when it stops. See docs/adr/0001-local-dynamodb.md.
 */
export async function startDynamoDbApi(options: DynamoDbApiOptions): Promise<DynamoDbApiHandle> {
  const progress = options.progress ?? silentProgress;
  const binary = await buildGoBinary({
    name: 'dynamodb-api',
    sourceFiles: ['go.mod', 'go.sum', 'main.go', 'minidyn-v0.8.2.patch'],
    description: 'minidyn',
    // Our two fixes go into the vendored copy of minidyn, which the build then uses.
    async prepare(buildDir, env) {
      await runToCompletion('go', ['mod', 'vendor'], { cwd: buildDir, env });
      await runToCompletion('git', ['apply', '-p1', `--directory=${patchedModule}`, 'minidyn-v0.8.2.patch'], { cwd: buildDir, env });
    },
    progress,
  });
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  progress('dynamodb-api', `starting minidyn on ${endpoint}`);
  const child = await startChild({ name: 'dynamodb-api', command: binary, args: ['-port', String(port)], logFile: options.logFile });
  try {
    await waitForDynamoDbApi(endpoint, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  progress('dynamodb-api', `ready at ${endpoint}`);
  return { endpoint, pid: child.pid, logFile: child.logFile, stop: () => child.stop() };
}

async function waitForDynamoDbApi(endpoint: string, child: RunningChild): Promise<void> {
  await waitUntil(
    async () => {
      // Describing a table that does not exist is the cheapest call that proves the DynamoDB handler answers.
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DescribeTable' },
        body: JSON.stringify({ TableName: 'readiness-probe' }),
      });
      return (await response.text()).includes('ResourceNotFoundException');
    },
    { description: `the DynamoDB API at ${endpoint}`, timeoutMs: 60_000, child },
  );
}
