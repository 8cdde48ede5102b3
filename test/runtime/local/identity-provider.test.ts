import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAccessToken } from '../../../runtime/local/access-token';
import { SEEDED_ACCOUNTS, startIdentityProvider, type RunningIdentityProvider } from '../../../runtime/local/identity-provider';

async function verify(token: string, provider: RunningIdentityProvider): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${provider.issuer}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(token, jwks, { issuer: provider.issuer, audience: 'shop-api', algorithms: ['RS256'] });
  return payload;
}

const accountOf = (email: string) => SEEDED_ACCOUNTS.find((account) => account.email === email)!;

describe('the local identity provider', () => {
  let stateDir: string;
  let provider: RunningIdentityProvider;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'identity-provider-'));
    provider = await startIdentityProvider({ port: 'free', stateDir });
  });
  afterAll(async () => {
    await provider?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('describes itself as the gateway will be configured', () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(provider).toMatchObject({ audience: 'shop-api', clientId: 'shop-cli', groupsClaim: 'groups' });
  });

  it.each(SEEDED_ACCOUNTS.map((account) => [account.email, account] as const))(
    'signs %s in through the authorization-code flow and issues an RS256 access token for shop-api with its subject and groups',
    async (email, account) => {
      const token = await requestAccessToken({ issuer: provider.issuer, email });
      const claims = await verify(token, provider);
      expect(claims).toMatchObject({ sub: account.sub, aud: 'shop-api', client_id: 'shop-cli', groups: [...account.groups] });
      expect(typeof claims.scope).toBe('string');
      // 15 minutes, give or take the time the sign-in took.
      expect(claims.exp! - Date.now() / 1000).toBeGreaterThan(14 * 60);
      expect(claims.exp! - Date.now() / 1000).toBeLessThanOrEqual(15 * 60 + 1);
    },
  );

  it('puts the admin, and only the admin, into the admin group', async () => {
    const admin = await verify(await requestAccessToken({ issuer: provider.issuer, email: 'admin@example.com' }), provider);
    const ada = await verify(await requestAccessToken({ issuer: provider.issuer, email: 'ada@example.com' }), provider);
    expect(admin.groups).toContain('admin');
    expect(ada.groups).toEqual([]);
  });

  it('refuses a wrong password', async () => {
    await expect(requestAccessToken({ issuer: provider.issuer, email: 'ada@example.com', password: 'local-password-2' })).rejects.toThrow(
      /refused the sign-in of ada@example.com: unknown email or wrong password/,
    );
  });

  it('refuses an email it does not know, even with the seeded password', async () => {
    await expect(requestAccessToken({ issuer: provider.issuer, email: 'mallory@example.com' })).rejects.toThrow(
      /refused the sign-in of mallory@example.com: unknown email or wrong password/,
    );
  });

  it('refuses a client it does not know', async () => {
    await expect(requestAccessToken({ issuer: provider.issuer, email: 'ada@example.com', clientId: 'someone-else' })).rejects.toThrow(/answered 400/);
  });

  it('keeps its signing key across a restart, so a token issued before still verifies after', async () => {
    const before = await requestAccessToken({ issuer: provider.issuer, email: 'grace@example.com' });
    const port = Number(new URL(provider.issuer).port);
    await provider.stop();
    provider = await startIdentityProvider({ port, stateDir });
    expect((await verify(before, provider)).sub).toBe(accountOf('grace@example.com').sub);
  });

  it('tells to run `npm start` when nothing answers at the issuer', async () => {
    const stopped = await startIdentityProvider({ port: 'free', stateDir });
    await stopped.stop();
    await expect(requestAccessToken({ issuer: stopped.issuer, email: 'ada@example.com' })).rejects.toThrow(
      new RegExp(`identity provider ${stopped.issuer} is not reachable.*npm start`),
    );
  });
});
