import { SignJWT, createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../../../runtime/gateway/src/identity/access-token-verifier';
import { ADA, ADMIN } from '../shared/callers';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'shop-api';

export interface TokenOptions {
  /** @default - the issuer's own key */
  readonly key?: CryptoKey;
  /** @default 'RS256' */
  readonly alg?: string;
  /** @default ISSUER */
  readonly issuer?: string;
  /** @default AUDIENCE; `null` for none */
  readonly audience?: string | string[] | null;
  /** Seconds from now. @default 300 */
  readonly expiresIn?: number;
  /** Seconds from now. @default - no nbf */
  readonly notBefore?: number;
}

/**
 * An identity provider in the test process: an RS256 key pair, a verifier over its public key (a
 * local key set, as the gateway's remote one would hold), and tokens signed with it, or made wrong on purpose.
 */
export interface TestIssuer {
  readonly verifier: AccessTokenVerifier;
  /** The public key as PEM, what an attacker would use as an HMAC secret. */
  readonly publicKeyPem: string;
  /** A signed token with `claims` (sub, groups, ...) on top of a valid iss, aud, iat and exp. */
  token(claims: JWTPayload, options?: TokenOptions): Promise<string>;
  /** Bearer header of a valid token of `subject` in `groups`. */
  bearer(subject: string, groups?: readonly string[]): Promise<{ authorization: string }>;
  readonly shopper: () => Promise<{ authorization: string }>;
  readonly admin: () => Promise<{ authorization: string }>;
}

export async function createTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = 'test-key-1';
  const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const verifier = createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, groupsClaim: 'groups' });

  const token = async (claims: JWTPayload, options: TokenOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid })
      .setIssuer(options.issuer ?? ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 300));
    if (options.audience !== null) jwt.setAudience(options.audience ?? AUDIENCE);
    if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
    return jwt.sign(options.key ?? privateKey);
  };
  const bearer = async (subject: string, groups: readonly string[] = []) => ({ authorization: `Bearer ${await token({ sub: subject, groups: [...groups] })}` });
  return { verifier, publicKeyPem: await exportSPKI(publicKey), token, bearer, shopper: () => bearer(ADA), admin: () => bearer(ADMIN, ['admin']) };
}
