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
    command: 'python3',
    args: ['-c', 'import venv, ensurepip'],
    install: 'Python 3.9+ with its venv module (Debian: apt-get install python3-venv); it runs the DynamoDB API server',
  },
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
