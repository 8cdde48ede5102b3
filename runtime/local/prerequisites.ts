import { runToCompletion } from './child-process';

export class MissingPrerequisitesError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The local platform cannot start on this machine:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'MissingPrerequisitesError';
  }
}

interface Prerequisite {
  readonly command: string;
  readonly args: readonly string[];
  /** What to install, e.g. `a JDK 17+ (Kafka runs on it)`. */
  readonly install: string;
  /** Returns a problem with the output of a command that ran, or undefined when it is fine. */
  readonly check?: (output: string) => string | undefined;
}

const MINIMUM_JAVA = 17;
// Go 1.21 is the first that downloads the toolchain a module's go.mod asks for (1.26 here).
const MINIMUM_GO = [1, 21] as const;

const PREREQUISITES: readonly Prerequisite[] = [
  {
    command: 'java',
    args: ['-version'],
    install: `a JDK ${MINIMUM_JAVA}+ (Kafka runs on it)`,
    check: (output) => {
      const major = Number(/version "(?:1\.)?(\d+)/.exec(output)?.[1]);
      return major >= MINIMUM_JAVA ? undefined : `java on PATH is version ${major || 'unknown'}: install a JDK ${MINIMUM_JAVA}+`;
    },
  },
  { command: 'jar', args: ['--version'], install: `a full JDK ${MINIMUM_JAVA}+, not only a JRE (jar unpacks MariaDB)` },
  { command: 'mvn', args: ['--version'], install: 'Maven 3.8+ (it fetches Kafka and MariaDB from Maven Central)' },
  {
    command: 'go',
    args: ['version'],
    install: `Go ${MINIMUM_GO.join('.')}+ (it builds the local DynamoDB API server and OpenTelemetry Collector; an older Go than the module asks for fetches the newer toolchain itself)`,
    check: (output) => {
      const [major = 0, minor = 0] = (/go(\d+)\.(\d+)/.exec(output) ?? []).slice(1).map(Number);
      const [minMajor, minMinor] = MINIMUM_GO;
      return major > minMajor || (major === minMajor && minor >= minMinor) ? undefined : `go on PATH is ${output.trim()}: install Go ${MINIMUM_GO.join('.')}+`;
    },
  },
  { command: 'git', args: ['--version'], install: 'git (it applies our fixes to the DynamoDB API server before the build)' },
];

/** Checks every tool the local backends need and reports all that are missing at once. */
export async function findMissingPrerequisites(): Promise<string[]> {
  const results = await Promise.all(
    PREREQUISITES.map(async ({ command, args, install, check }) => {
      let output: string;
      try {
        output = await runToCompletion(command, args);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return `${command} not found on PATH: install ${install}`;
        const reason = (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 2).join(' ');
        return `${command} is on PATH but does not work (${reason}): install ${install}`;
      }
      return check?.(output);
    }),
  );
  return results.filter((problem): problem is string => problem !== undefined);
}

export async function assertPrerequisites(): Promise<void> {
  const problems = await findMissingPrerequisites();
  if (problems.length > 0) throw new MissingPrerequisitesError(problems);
}
