import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StartChildOptions {
  /** Short name used in messages, e.g. `mariadb`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended to this file. */
  readonly logFile: string;
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited, with its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

// A launcher that crashes or is killed by an uncaught error must not leave servers behind holding
// ports and data directories; 'exit' handlers run synchronously, and kill() is synchronous.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a long-running process whose output goes to a log file rather than the launcher's terminal. */
export async function startChild(options: StartChildOptions): Promise<RunningChild> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
      // Its own process group: Ctrl-C in the terminal reaches only the launcher, which then stops
      // the children in order instead of all of them dying at once.
      detached: true,
    });
    await Promise.race([once(child, 'spawn'), once(child, 'error').then(([error]) => Promise.reject(error as Error))]);
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: ${options.command} did not start`);
  running.add(child);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      running.delete(child);
      resolve(code);
    });
  });
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => exitCode !== undefined,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Each non-blank line the command prints, as it prints it: a long install shows it is alive. */
  readonly onLine?: (line: string) => void;
}

/** Runs a command to completion, failing with its output when it exits non-zero. */
export async function runToCompletion(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (options.onLine) {
      for (const line of text.split('\n')) if (line.trim()) options.onLine(line.trimEnd());
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const [code] = (await Promise.race([once(child, 'close'), once(child, 'error').then(([error]) => Promise.reject(error as Error))])) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${lastLines(output, 30)}`);
  return output;
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The last lines of a log file, or a note that it cannot be read. */
export function tailOfFile(path: string, count = 40): string {
  try {
    return lastLines(readFileSync(path, 'utf8'), count);
  } catch {
    return `(no log at ${path})`;
  }
}

export interface WaitUntilOptions {
  /** What is awaited, for the timeout message, e.g. `mariadb accepting connections`. */
  readonly description: string;
  readonly timeoutMs: number;
  /** @default 200 */
  readonly intervalMs?: number;
  /** Stops waiting early when the process that should become ready has died. */
  readonly child?: RunningChild;
}

/**
 * Polls `probe` until it resolves true. A probe that throws counts as "not yet"; the last error is
 * quoted if time runs out, and a dead child ends the wait at once with the tail of its log.
 */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitUntilOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.child?.hasExited()) {
      throw new Error(`${options.child.name} exited before ${options.description}; last lines of ${options.child.logFile}:\n${tailOfFile(options.child.logFile)}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = options.child ? `; last lines of ${options.child.logFile}:\n${tailOfFile(options.child.logFile)}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.description}${cause}${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
