import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DependencyUnavailableError } from '../../../shared/errors';

/** Who an access token names, once verified. */
export interface VerifiedAccess {
  /** The token's `sub`: the account at the identity provider, and the id of its profile. */
  readonly subject: string;
  readonly groups: readonly string[];
}

/** Verifies a bearer token. The gateway depends on this, so tests verify against keys of their own. */
export interface AccessTokenVerifier {
  /** Rejects with InvalidTokenError for a token to refuse, DependencyUnavailableError when the issuer's keys cannot be fetched. */
  verify(token: string): Promise<VerifiedAccess>;
}

/** A token that is not acceptable; `description` says why, in words fit for `WWW-Authenticate` (no quotes). */
export class InvalidTokenError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'InvalidTokenError';
  }
}

export interface AccessTokenVerifierProps {
  /** Compared exactly with `iss`. */
  readonly issuer: string;
  /** Accepted when `aud` contains it or, as in Cognito's access tokens, which have no `aud`, when `client_id` equals it. */
  readonly audience: string;
  /** The issuer's signing keys: `issuerKeySet(jwksUrl)`, or a local key set in tests. */
  readonly keys: JWTVerifyGetKey;
  /** Claim holding the array of group names. @default 'cognito:groups' */
  readonly groupsClaim?: string;
  /** Skew allowed between the issuer's clock and ours, for `exp`, `nbf` and `iat`. @default 30 */
  readonly clockToleranceSeconds?: number;
}

/**
 * The issuer's JSON Web Key Set, fetched on first use and cached: refreshed after 10 minutes, and
 * at once (at most every 30 s) when a token names a key it does not hold, which is how a key rotation arrives.
 */
export function issuerKeySet(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
}

/** Identity providers sign access tokens with RS256 (Cognito always); anything else, `none` and HMAC above all, is refused. */
const ALGORITHMS = ['RS256'];
// Printable ASCII without spaces or commas: the subject goes upstream in a header, and a group is a plain name.
const HEADER_SAFE = /^[\x21-\x2b\x2d-\x7e]{1,256}$/;

const KEY_NOT_FOUND = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

/** The key lookup, with faults of the issuer's endpoint told apart from tokens naming no key of the issuer. */
function keysOrUnavailable(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && KEY_NOT_FOUND.has(error.code)) throw error;
      throw new DependencyUnavailableError('identity provider keys', error);
    }
  };
}

/** Why a token failed, without echoing anything the token itself says. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'the token is not valid yet' : `the token's ${error.claim} claim is not accepted`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'the token is not signed with RS256';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JOSEError && KEY_NOT_FOUND.has(error.code)) return 'the token is not signed by a key of the issuer';
  return 'the token is malformed';
}

function audienceMatches(payload: JWTPayload, audience: string): boolean {
  const aud = payload.aud;
  if (aud !== undefined) return Array.isArray(aud) ? aud.includes(audience) : aud === audience;
  return payload.client_id === audience;
}

/** Access tokens checked as the identity contract says: signature, issuer, audience, expiry, not-before, algorithm. */
export function createAccessTokenVerifier(props: AccessTokenVerifierProps): AccessTokenVerifier {
  const keys = keysOrUnavailable(props.keys);
  const groupsClaim = props.groupsClaim ?? 'cognito:groups';
  const options = { issuer: props.issuer, algorithms: ALGORITHMS, clockTolerance: props.clockToleranceSeconds ?? 30, requiredClaims: ['exp', 'sub'] };

  return {
    async verify(token: string): Promise<VerifiedAccess> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, options));
      } catch (error) {
        if (error instanceof DependencyUnavailableError) throw error;
        throw new InvalidTokenError(describe(error));
      }
      if (!audienceMatches(payload, props.audience)) throw new InvalidTokenError('the token is for another audience');
      // Cognito's ID tokens verify with the same keys and name the app client as their audience.
      if (payload.token_use !== undefined && payload.token_use !== 'access') throw new InvalidTokenError('the token is not an access token');
      const subject = payload.sub!;
      if (!HEADER_SAFE.test(subject)) throw new InvalidTokenError('the token names no usable subject');
      const claimed = payload[groupsClaim];
      const groups = Array.isArray(claimed) ? claimed.filter((group): group is string => typeof group === 'string' && HEADER_SAFE.test(group)) : [];
      return { subject, groups };
    },
  };
}
