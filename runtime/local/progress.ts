/** Reports a step of starting something: `progress('kafka', 'formatting storage')`. */
export type Progress = (component: string, message: string) => void;

/** Progress lines on stderr with the time since start, readable in a terminal and in CI logs alike. */
export function consoleProgress(startedAt = Date.now()): Progress {
  return (component, message) => {
    const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${elapsed}s] ${component.padEnd(14)} ${message}\n`);
  };
}

export const silentProgress: Progress = () => undefined;
