import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The launcher script that runs on the Dataproc master, exercised against stand-ins for gcloud, yarn and
// flink (fixtures/fake-dataproc) that keep GCS objects and YARN applications in a JSON file.
const reconciler = fileURLToPath(new URL('../../../infra/gcp/assets/reconcile-flink-job.py', import.meta.url));
const fakeBin = fileURLToPath(new URL('./fixtures/fake-dataproc', import.meta.url));

const MANIFEST_URI = 'gs://artifacts/flink/desired/order-analytics.json';
const SAVEPOINTS = 'gs://state/savepoints';
const CHECKPOINTS = 'gs://state/checkpoints';

interface Application {
  id: string;
  state: string;
  arguments: string[];
  fromSavepoint: string | null;
}

interface World {
  clock: number;
  failStop?: boolean;
  objects: Record<string, { content: string; time?: string }>;
  applications: Application[];
}

function manifest(jar: string, state: 'running' | 'stopped' = 'running') {
  return JSON.stringify({
    jobName: 'order-analytics',
    state,
    jarUri: `gs://artifacts/flink/jobs/${jar}`,
    entryClass: null,
    checkpointsUri: CHECKPOINTS,
    savepointsUri: SAVEPOINTS,
    flinkConfig: { 'yarn.application.name': 'order-analytics', 'state.savepoints.dir': SAVEPOINTS },
    args: ['--brokers', 'b-1:9098', '--security', 'iam'],
  });
}

function dataproc() {
  const home = mkdtempSync(join(tmpdir(), 'fake-dataproc-'));
  const worldFile = join(home, 'world.json');
  const world = (): World => JSON.parse(readFileSync(worldFile, 'utf8')) as World;
  const update = (change: (current: World) => void) => {
    const current = world();
    change(current);
    writeFileSync(worldFile, JSON.stringify(current));
  };
  const publish = (jar: string, state: 'running' | 'stopped' = 'running') =>
    update((current) => {
      current.objects[MANIFEST_URI] = { content: manifest(jar, state) };
      current.objects[`gs://artifacts/flink/jobs/${jar}`] = { content: `bytes of ${jar}` };
    });
  writeFileSync(worldFile, JSON.stringify({ clock: 0, objects: {}, applications: [] }));

  const reconcile = () => {
    const result = spawnSync('python3', [reconciler, '--manifest', MANIFEST_URI, '--state-dir', join(home, 'state')], {
      env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_DATAPROC_DIR: home },
      encoding: 'utf8',
    });
    return { status: result.status, log: `${result.stdout}${result.stderr}` };
  };
  const running = () => world().applications.filter((application) => application.state === 'RUNNING');
  const calls = () => (existsSync(join(home, 'calls.log')) ? readFileSync(join(home, 'calls.log'), 'utf8') : '');
  return { home, world, update, publish, reconcile, running, calls };
}

describe('reconcile-flink-job.py', () => {
  it('starts the job in YARN application mode from the downloaded jar, with empty state the first time', () => {
    const cluster = dataproc();
    cluster.publish('order-analytics-aaaa.jar');
    expect(cluster.reconcile()).toMatchObject({ status: 0 });
    const [application] = cluster.running();
    expect(application?.fromSavepoint).toBeNull();
    expect(application?.arguments.slice(0, 3)).toEqual(['run-application', '-t', 'yarn-application']);
    expect(application?.arguments).toContain('-Dyarn.application.name=order-analytics');
    expect(application?.arguments.slice(-5)).toEqual([join(cluster.home, 'state/jars/order-analytics-aaaa.jar'), '--brokers', 'b-1:9098', '--security', 'iam']);
    expect(readFileSync(join(cluster.home, 'state/jars/order-analytics-aaaa.jar'), 'utf8')).toBe('bytes of order-analytics-aaaa.jar');
  });

  it('leaves a job that already runs the desired jar alone', () => {
    const cluster = dataproc();
    cluster.publish('order-analytics-aaaa.jar');
    cluster.reconcile();
    const callsAfterStart = cluster.calls();
    expect(cluster.reconcile()).toMatchObject({ status: 0 });
    expect(cluster.world().applications).toHaveLength(1);
    expect(cluster.calls().slice(callsAfterStart.length)).not.toMatch(/flink (stop|run-application)/);
  });

  it('restarts a new jar from a savepoint of the running job', () => {
    const cluster = dataproc();
    cluster.publish('order-analytics-aaaa.jar');
    cluster.reconcile();
    cluster.publish('order-analytics-bbbb.jar');
    expect(cluster.reconcile()).toMatchObject({ status: 0 });
    const [first, second] = cluster.world().applications;
    expect(first?.state).toBe('FINISHED');
    expect(second?.state).toBe('RUNNING');
    expect(second?.fromSavepoint).toMatch(new RegExp(`^${SAVEPOINTS}/savepoint-`));
    expect(cluster.calls()).toMatch(/flink stop --savepointPath gs:\/\/state\/savepoints -t yarn-application -Dyarn.application.id=application_\d+_0001 0{31}1/);
  });

  it('resumes a job that died from its newest retained checkpoint', () => {
    const cluster = dataproc();
    cluster.publish('order-analytics-aaaa.jar');
    cluster.reconcile();
    cluster.update((world) => {
      world.objects[`${SAVEPOINTS}/savepoint-old/_metadata`] = { content: '', time: '2026-11-27T08:00:00Z' };
      world.objects[`${CHECKPOINTS}/0001/chk-42/_metadata`] = { content: '', time: '2026-11-27T11:00:00Z' };
      world.applications[0]!.state = 'FAILED';
    });
    expect(cluster.reconcile()).toMatchObject({ status: 0 });
    expect(cluster.running()[0]?.fromSavepoint).toBe(`${CHECKPOINTS}/0001/chk-42`);
  });

  it('stops the job with a savepoint when the desired state is stopped, and then does nothing', () => {
    const cluster = dataproc();
    cluster.publish('order-analytics-aaaa.jar');
    cluster.reconcile();
    cluster.publish('order-analytics-aaaa.jar', 'stopped');
    expect(cluster.reconcile()).toMatchObject({ status: 0 });
    expect(cluster.running()).toEqual([]);
    expect(Object.keys(cluster.world().objects).some((uri) => uri.startsWith(`${SAVEPOINTS}/savepoint-`))).toBe(true);
    expect(cluster.reconcile()).toMatchObject({ status: 0 });
    expect(cluster.world().applications).toHaveLength(1);
  });

  it('does not start a second job when the savepoint of the running one fails', () => {
    const cluster = dataproc();
    cluster.publish('order-analytics-aaaa.jar');
    cluster.reconcile();
    cluster.update((world) => {
      world.failStop = true;
    });
    cluster.publish('order-analytics-bbbb.jar');
    const result = cluster.reconcile();
    expect(result.status).toBe(1);
    expect(result.log).toContain('Could not stop with a savepoint');
    expect(cluster.world().applications).toHaveLength(1);
    expect(cluster.running()).toHaveLength(1);
  });
});
