import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const denyNetwork = fileURLToPath(new URL('./deny-network.mjs', import.meta.url));

/**
 * An environment for running a synth CLI as a reviewer's offline machine would: PATH holds only node (in a folder
 * of its own) and the system tools, so no docker or terraform; HOME is empty; every TCP connection and DNS lookup
 * is refused and logged by the preloaded deny-network.mjs. `extra` adds the CLI's own switches.
 */
export function offlineEnvironment(prefix: string, extra: Record<string, string> = {}) {
  const workDir = mkdtempSync(join(tmpdir(), `${prefix}-offline-`));
  const bin = join(workDir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const deniedLog = join(workDir, 'denied-network.log');
  const env: Record<string, string> = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: workDir,
    DENIED_NETWORK_LOG: deniedLog,
    NODE_OPTIONS: `--import ${denyNetwork}`,
    ...extra,
  };
  const deniedAttempts = () => (existsSync(deniedLog) ? readFileSync(deniedLog, 'utf8') : '');
  return { workDir, env, deniedAttempts };
}
