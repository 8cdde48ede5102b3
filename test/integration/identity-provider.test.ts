import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { requestAccessToken } from '../../runtime/local/access-token';
import { SEEDED_ACCOUNTS } from '../../runtime/local/local-identity';
import { localBackends } from './backends';

describe("the integration run's identity provider", () => {
  it('issues tokens for the seeded accounts that verify against its JWKS with the audience the gateway is given', async () => {
    const { issuer, audience } = localBackends().identityProvider;
    const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    for (const account of SEEDED_ACCOUNTS) {
      const token = await requestAccessToken({ issuer, email: account.email });
      const { payload } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'] });
      expect(payload).toMatchObject({ sub: account.sub, groups: [...account.groups] });
    }
  });
});
