import { describe, expect, it } from 'vitest';
import { committedDeployments, renderDeployments } from '../../../stacks/aws/render';
import { SYNTH_TIMEOUT } from './support';

describe('deploy/ (what Argo CD syncs)', () => {
  it('holds exactly what the app renders, so every cluster change is a reviewed Git diff (run `npm run render` and commit)', () => {
    // GIVEN the real app with the repository's sources (image tags hash the runtime's code)
    // WHEN its gitops environments render their charts
    const rendered = renderDeployments();
    const committed = committedDeployments();
    // THEN deploy/ has the same files with the same text
    expect(rendered.length).toBeGreaterThan(0);
    expect(committed.map((file) => file.path)).toEqual(rendered.map((file) => file.path));
    for (const file of rendered) {
      expect(committed.find((candidate) => candidate.path === file.path)?.content, `${file.path} differs from the render`).toBe(file.content);
    }
  }, SYNTH_TIMEOUT);
});
