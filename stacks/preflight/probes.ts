import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How a command ended: its output, not installed, a non-zero exit (with what it printed), or killed at the timeout. */
export type CommandResult =
  | { readonly kind: 'ok'; readonly stdout: string }
  | { readonly kind: 'not-installed' }
  | { readonly kind: 'failed'; readonly output: string }
  | { readonly kind: 'timed-out'; readonly seconds: number };

/** Everything a check may look at, injected so that the checks run in tests without credentials or network. */
export interface Probes {
  readonly run: (command: string, args: readonly string[]) => Promise<CommandResult>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fileExists: (path: string) => boolean;
}

/**
 * The machine's own tools, each call killed after `timeoutSeconds`: offline, the AWS CLI and gcloud would
 * otherwise retry for minutes. The AWS CLI is asked to try once and to give up connecting after a few seconds.
 */
export function systemProbes(timeoutSeconds = 15): Probes {
  const env = { ...process.env, AWS_MAX_ATTEMPTS: '1', AWS_RETRY_MODE: 'standard', AWS_PAGER: '', CLOUDSDK_CORE_DISABLE_PROMPTS: '1' };
  return {
    env: process.env,
    fileExists: existsSync,
    run: (command, args) =>
      new Promise((resolve) => {
        execFile(command, [...args], { env, timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
          if (!error) return resolve({ kind: 'ok', stdout });
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ kind: 'not-installed' });
          if (error.killed) return resolve({ kind: 'timed-out', seconds: timeoutSeconds });
          resolve({ kind: 'failed', output: `${stderr}${stdout}`.trim() });
        });
      }),
  };
}
