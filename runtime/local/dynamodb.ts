import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
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

const requirementsFile = join(backendDescriptorsDir, 'moto-requirements.txt');

/**
 * An in-memory implementation of the DynamoDB API (moto's server mode, Apache-2.0), installed from
 * PyPI into a venv under .local/, serving one request at a time so that conditional writes are atomic
 * as in DynamoDB (see backends/serialized_moto_server.py). It is not Amazon's DynamoDB: data lives in
 * the process and is gone when it stops. See docs/adr/0001-local-dynamodb.md.
 */
export async function startDynamoDbApi(options: DynamoDbApiOptions): Promise<DynamoDbApiHandle> {
  const progress = options.progress ?? silentProgress;
  const python = await installMoto(progress);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  progress('dynamodb-api', `starting moto on ${endpoint}`);
  const child = await startChild({
    name: 'dynamodb-api',
    command: python,
    args: [join(backendDescriptorsDir, 'serialized_moto_server.py'), '127.0.0.1', String(port)],
    logFile: options.logFile,
  });
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
 * A venv with moto in .local/, named after the requirements it was built from, so a changed pin
 * builds a new one and concurrent first starts never build into the same directory. Returns its python.
 */
async function installMoto(progress: Progress): Promise<string> {
  const requirementsHash = createHash('sha256').update(await readFile(requirementsFile)).digest('hex').slice(0, 16);
  const venvDir = join(localCacheDir, `moto-venv-${requirementsHash}`);
  const python = join(venvDir, 'bin/python');
  if (existsSync(python)) return python;
  progress('dynamodb-api', 'installing moto from PyPI into .local/ (first start only)');
  const building = `${venvDir}.building-${process.pid}`;
  try {
    // A venv's python finds its packages relative to itself, so the venv still works once renamed.
    await runToCompletion('python3', ['-m', 'venv', building]);
    // Byte-compiling all of moto's services at install time costs more than half the install; Python
    // compiles the few modules the DynamoDB server imports on its first start instead.
    await runToCompletion(join(building, 'bin/python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-compile', '--requirement', requirementsFile]);
    await publishDirectory(building, venvDir);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return python;
}

async function waitForDynamoDbApi(endpoint: string, child: RunningChild): Promise<void> {
  await waitUntil(
    async () => {
      // An unsigned ListTables is enough to know the DynamoDB handler answers; moto does not check signatures.
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', authorization: LOCAL_SIGNATURE_STUB },
        body: '{}',
      });
      return response.ok;
    },
    { description: `the DynamoDB API at ${endpoint}`, timeoutMs: 60_000, child },
  );
}

// moto routes a request to a service by the credential scope in the Authorization header.
const LOCAL_SIGNATURE_STUB = 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
