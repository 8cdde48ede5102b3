/*
 * What the local identity provider and its clients (`npm run token`, the tests) agree on, kept apart
 * from the provider so that a client does not load oidc-provider.
 */

export interface SeededAccount {
  /** The OIDC subject, fixed so that it can be the user's profile id in the users service. */
  readonly sub: string;
  readonly email: string;
  readonly groups: readonly string[];
}

/** Everyone's local password; documented in the README, so it protects nothing but the habit of signing in. */
export const SEEDED_PASSWORD = 'local-password-1';

export const SEEDED_ACCOUNTS: readonly SeededAccount[] = [
  { sub: '6f1d2c3a-0b7e-4c1a-9d3e-000000000a0a', email: 'ada@example.com', groups: [] },
  { sub: '6f1d2c3a-0b7e-4c1a-9d3e-000000000c0c', email: 'grace@example.com', groups: [] },
  { sub: '6f1d2c3a-0b7e-4c1a-9d3e-0000000ad000', email: 'admin@example.com', groups: ['admin'] },
];

/** The `aud` of every access token: what the gateway is told to accept as OIDC_AUDIENCE. */
export const API_AUDIENCE = 'shop-api';
/**
 * The resource indicator a client asks for (RFC 8707 wants an absolute URI, so not `shop-api` itself);
 * tokens issued for it carry the audience `shop-api`.
 */
export const API_RESOURCE = 'urn:shop-api';
/** The one resource scope of the API; it lets the token's `scope` claim say what it was issued for. */
export const API_SCOPE = 'shop';
export const CLI_CLIENT_ID = 'shop-cli';
/** Registered for the CLI client; nobody listens there, the client reads the code from the redirect itself. */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';
export const DEFAULT_PROVIDER_PORT = 5010;
