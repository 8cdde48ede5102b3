import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPOSITORY_ROOT, type RenderedFile } from '../../infra/aws';
import { createShopApp } from './shop-app';

/** The folder `npm run render` owns: nothing but rendered charts lives there. */
export const DEPLOY_DIRECTORY = path.join(REPOSITORY_ROOT, 'deploy');

/**
 * What `deploy/` must hold: the charts of every environment delivered through Argo CD, rendered from the same app
 * `cdk deploy` synthesizes, so the image tags are the asset hashes that deploy pushes. Nothing is staged or built:
 * the hashes come from the sources' fingerprints.
 */
export function renderDeployments(): RenderedFile[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'shop-render-'));
  try {
    const { stacks } = createShopApp({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
    return stacks.filter((stack) => stack.delivery.mode.mode === 'gitops').flatMap((stack) => stack.delivery.render());
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every file under `deploy/`, by its path from the repository root, in the order `render` sorts them. */
export function committedDeployments(): RenderedFile[] {
  const walk = (directory: string): string[] =>
    readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(path.join(directory, entry.name)) : [path.join(directory, entry.name)],
    );
  let files: string[];
  try {
    files = walk(DEPLOY_DIRECTORY);
  } catch {
    return [];
  }
  return files
    .map((file) => ({ path: path.relative(REPOSITORY_ROOT, file).split(path.sep).join('/'), content: readFileSync(file, 'utf8') }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function writeDeployments(files: readonly RenderedFile[]): void {
  rmSync(DEPLOY_DIRECTORY, { recursive: true, force: true });
  for (const file of files) {
    const target = path.join(REPOSITORY_ROOT, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = renderDeployments();
  writeDeployments(files);
  console.log(`deploy/: ${files.length} files rendered; commit them to release (docs/deploy.md)`);
}
