import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface MeasuredProcess {
  readonly name: string;
  readonly pid: number;
}

export interface CpuUsage {
  readonly name: string;
  readonly seconds: number;
}

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly ticks: number;
}

// /proc reports in USER_HZ, which is 100 on every architecture Node runs on; assumed rather than asking `getconf CLK_TCK`.
const TICKS_PER_SECOND = 100;

/**
 * One line of /proc/<pid>/stat. Fields are counted after the last `)`, because the command name in
 * parentheses may itself hold spaces and parentheses: state is field 3, ppid 4, utime 14, stime 15 (proc(5)).
 */
export function parseStat(line: string): ProcStat {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const stat = { pid: Number.parseInt(line, 10), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  if (!Object.values(stat).every(Number.isInteger)) throw new Error(`not a /proc/<pid>/stat line: ${line}`);
  return stat;
}

function readAllStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let line: string;
    try {
      line = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited between listing and reading
    }
    stats.push(parseStat(line));
  }
  return stats;
}

/**
 * Ticks of each pid, in the order given, each with those of its descendants that are not listed
 * themselves: a wrapper's real work happens in its children, while the bench's children are the
 * platform processes listed on their own.
 */
function treeTicks(pids: readonly number[]): number[] {
  const stats = readAllStats();
  const parentOf = new Map(stats.map(({ pid, ppid }) => [pid, ppid]));
  const slotOf = new Map(pids.map((pid, slot) => [pid, slot]));
  const ticks = pids.map(() => 0);
  for (const stat of stats) {
    for (let at: number | undefined = stat.pid; at !== undefined && at > 0; at = parentOf.get(at)) {
      const slot = slotOf.get(at);
      if (slot !== undefined) {
        ticks[slot] = ticks[slot]! + stat.ticks;
        break;
      }
    }
  }
  return ticks;
}

/**
 * Runs `run` and reports the CPU seconds each process spent meanwhile, with the run's wall-clock
 * seconds. `usage` is undefined without /proc (not Linux). A descendant that exits within the run
 * is not counted; none is expected while the platform serves.
 */
export async function measureCpu<T>(
  processes: readonly MeasuredProcess[],
  run: () => Promise<T>,
): Promise<{ result: T; wallSeconds: number; usage: CpuUsage[] | undefined }> {
  const hasProc = existsSync('/proc/self/stat');
  const pids = processes.map(({ pid }) => pid);
  const before = hasProc ? treeTicks(pids) : [];
  const started = performance.now();
  const result = await run();
  const wallSeconds = (performance.now() - started) / 1000;
  if (!hasProc) return { result, wallSeconds, usage: undefined };
  const after = treeTicks(pids);
  const usage = processes.map(({ name }, i) => ({ name, seconds: (after[i]! - before[i]!) / TICKS_PER_SECOND }));
  return { result, wallSeconds, usage };
}
