import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in it rather than from the working directory. */
export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the services and Lambdas live: `runtime/<name>/src/...`. */
export const RUNTIME_DIRECTORY = path.join(REPOSITORY_ROOT, 'runtime');

/** Throws a message that names the construct and the missing file, so a typo fails at synth, not at deploy. */
export function requireSourceFile(construct: string, description: string, file: string): string {
  if (!existsSync(file)) {
    throw new Error(`${construct}: ${description} not found at ${file}`);
  }
  return file;
}
