import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToCompletion } from './child-process';
import { withInstallLock } from './install-lock';
import type { Progress } from './progress';
import { localCacheDir, publishDirectory } from './workspace';

interface InstallMarker {
  readonly package: string;
  /** `promtool --version`'s first line, for the record. */
  readonly version: string;
}

const PACKAGE = 'prometheus';
const root = join(localCacheDir, 'promtool');
const marker = join(root, 'installed.json');
const promtool = join(root, 'prometheus', 'usr', 'bin', 'promtool');

/**
 * The path of `promtool`, unpacked on first use from Debian's `prometheus` package into `.local/promtool/`
 * without root: `apt-get download` fetches the .deb into a scratch folder and `dpkg-deb -x` unpacks it, about
 * 3 s on a cold machine. (`go install` of the same command from the Go module proxy took 16 minutes and 3.6 GB of
 * module and build caches here: it compiles Prometheus's service-discovery clients; docs/adr/0013-alerting-design.md.) The version is Debian's,
 * not pinned: a pin would break the day the archive replaces it with a security update; the marker records it.
 */
export async function ensurePromtool(progress: Progress): Promise<string> {
  if (isInstalled()) return promtool;
  return withInstallLock(join(root, 'install.lock'), 'promtool', progress, async () => {
    if (isInstalled()) return promtool;
    await rm(marker, { force: true });
    const scratch = await mkdtemp(join(root, 'download-'));
    try {
      progress('promtool', `apt-get download ${PACKAGE} (Debian's package, unpacked into ${root} without installing it)`);
      await downloadPackage(scratch);
      const deb = (await readdir(scratch)).find((name) => name.startsWith(`${PACKAGE}_`) && name.endsWith('.deb'));
      if (deb === undefined) throw new Error(`apt-get download ${PACKAGE} left no .deb in ${scratch}`);
      const unpacked = join(scratch, 'prometheus');
      await runToCompletion('dpkg-deb', ['-x', join(scratch, deb), unpacked]);
      await rm(join(root, 'prometheus'), { recursive: true, force: true });
      await publishDirectory(unpacked, join(root, 'prometheus'));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    const version = (await runToCompletion(promtool, ['--version'])).split('\n')[0] ?? '';
    await writeFile(marker, JSON.stringify({ package: PACKAGE, version } satisfies InstallMarker, null, 2));
    progress('promtool', `installed ${version}`);
    return promtool;
  });
}

function isInstalled(): boolean {
  return existsSync(marker) && existsSync(promtool) && (JSON.parse(readFileSync(marker, 'utf8')) as InstallMarker).package === PACKAGE;
}

/**
 * A machine whose package lists were never fetched (a fresh container) knows no `prometheus` package; as root the
 * lists are fetched once and the download retried, otherwise the message says what to run.
 */
async function downloadPackage(into: string): Promise<void> {
  const download = () => runToCompletion('apt-get', ['download', PACKAGE], { cwd: into });
  try {
    await download();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('promtool comes from Debian\'s prometheus package: apt-get and dpkg-deb (Debian or Ubuntu) are needed');
    if (process.getuid?.() !== 0) throw new Error(`apt-get download ${PACKAGE} failed; run 'apt-get update' as root once, then retry:\n${String(error)}`);
    await runToCompletion('apt-get', ['update']);
    await download();
  }
}
