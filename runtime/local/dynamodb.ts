import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToCompletion, startChild, type RunningChild, waitUntil } from './child-process';
import { freePort } from './network';
import { silentProgress, type Progress } from './progress';
import { backendDescriptorsDir, localCacheDir, publishDirectory } from './workspace';

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

const sourceDir = join(backendDescriptorsDir, 'dynamodb-api');
const sourceFiles = ['go.mod', 'go.sum', 'main.go', 'minidyn-v0.8.2.patch'] as const;
const patchedModule = 'vendor/github.com/truora/minidyn';

/**
 * An in-memory implementation of the DynamoDB API (minidyn's HTTP server, Apache-2.0, with two fixes
 * of ours), built with Go from the Go module proxy into .local/. Every request runs under one lock,
 * so conditional writes and transactions are atomic as in DynamoDB. It is not Amazon's DynamoDB: data
 * lives in the process and is gone when it stops. See docs/adr/0001-local-dynamodb.md.
 */
export async function startDynamoDbApi(options: DynamoDbApiOptions): Promise<DynamoDbApiHandle> {
  const progress = options.progress ?? silentProgress;
  const binary = await buildDynamoDbApi(progress);
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

/**
 * The server binary in .local/, named after the sources it was built from, so a changed pin or patch
 * builds a new one and concurrent first starts never build into the same directory. The build runs
 * in a temporary directory outside this repository, because `git apply` inside a work tree resolves
 * paths from its root. Returns the binary's path.
 */
async function buildDynamoDbApi(progress: Progress): Promise<string> {
  const hash = createHash('sha256');
  for (const file of sourceFiles) hash.update(await readFile(join(sourceDir, file)));
  const installDir = join(localCacheDir, `dynamodb-api-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(installDir, 'dynamodb-api');
  if (existsSync(binary)) return binary;
  progress('dynamodb-api', 'building minidyn with Go into .local/ (first start only)');
  const buildDir = await mkdtemp(join(tmpdir(), 'dynamodb-api-'));
  const building = `${installDir}.building-${process.pid}`;
  try {
    for (const file of sourceFiles) await copyFile(join(sourceDir, file), join(buildDir, file));
    // A go.work or GOFLAGS of the user's must not change what gets built.
    const env = { ...process.env, GOWORK: 'off', GOFLAGS: '', CGO_ENABLED: '0' };
    await runToCompletion('go', ['mod', 'vendor'], { cwd: buildDir, env });
    await runToCompletion('git', ['apply', '-p1', `--directory=${patchedModule}`, 'minidyn-v0.8.2.patch'], { cwd: buildDir, env });
    await mkdir(building, { recursive: true });
    await runToCompletion('go', ['build', '-mod=vendor', '-trimpath', '-o', join(building, 'dynamodb-api'), '.'], { cwd: buildDir, env });
    await publishDirectory(building, installDir);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
    await rm(building, { recursive: true, force: true });
  }
  return binary;
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
