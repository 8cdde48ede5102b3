import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityProvider, type RunningIdentityProvider } from '../../../runtime/local/identity-provider';
import { SEEDED_ACCOUNTS } from '../../../runtime/local/local-identity';
import { repoRoot } from '../../../runtime/local/workspace';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run token -- <args>` without npm's own output around it. */
function tokenCommand(args: readonly string[], issuer: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'runtime/local/token.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, OIDC_ISSUER: issuer } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('npm run token', () => {
  let stateDir: string;
  let provider: RunningIdentityProvider;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'token-command-'));
    provider = await startIdentityProvider({ port: 'free', stateDir });
  });
  afterAll(async () => {
    await provider?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("prints the account's access token as the last line of stdout, from the provider in OIDC_ISSUER", async () => {
    const { code, stdout, stderr } = await tokenCommand(['grace@example.com'], provider.issuer);
    expect(code).toBe(0);
    expect(stderr).toContain('grace@example.com');
    const token = stdout.trimEnd().split('\n').at(-1)!;
    const jwks = createRemoteJWKSet(new URL(`${provider.issuer}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: provider.issuer, audience: 'shop-api', algorithms: ['RS256'] });
    expect(payload.sub).toBe(SEEDED_ACCOUNTS.find((account) => account.email === 'grace@example.com')!.sub);
  });

  it.each([
    ['no email', []],
    ['an email that is not seeded', ['eve@example.com']],
  ])('exits 2 and lists the seeded accounts for %s', async (_case, args) => {
    const { code, stdout, stderr } = await tokenCommand(args, provider.issuer);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    for (const { email } of SEEDED_ACCOUNTS) expect(stderr).toContain(email);
  });

  it('exits 1 and says to run `npm start` when no provider answers', async () => {
    const { code, stdout, stderr } = await tokenCommand(['ada@example.com'], 'http://127.0.0.1:9');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/http:\/\/127\.0\.0\.1:9 is not reachable.*npm start/);
  });
});
