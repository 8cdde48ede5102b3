import { createHash, generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import Provider, { errors, type Configuration, type JWKS } from 'oidc-provider';
import {
  API_AUDIENCE,
  API_RESOURCE,
  API_SCOPE,
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  DEFAULT_PROVIDER_PORT,
  SEEDED_ACCOUNTS,
  SEEDED_PASSWORD,
} from './local-identity';
import { freePort } from './network';
import { localCacheDir } from './workspace';

export { SEEDED_ACCOUNTS, type SeededAccount } from './local-identity';

/*
 * The local stand-in for Amazon Cognito: a real OpenID Connect provider (oidc-provider) with three
 * seeded accounts, issuing RS256 JWT access tokens for the shop's API the way Cognito does in AWS.
 */

const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface IdentityProviderOptions {
  /**
   * `free`: a port chosen by the kernel (tests).
   * @default 5010
   */
  readonly port?: number | 'free';
  /**
   * Where the signing keys are kept, so that tokens stay valid across restarts.
   * @default `.local/identity-provider`
   */
  readonly stateDir?: string;
}

export interface RunningIdentityProvider {
  /** `http://127.0.0.1:PORT`, the value of OIDC_ISSUER. */
  readonly issuer: string;
  /** The value of OIDC_AUDIENCE. */
  readonly audience: string;
  readonly clientId: string;
  /** The value of OIDC_GROUPS_CLAIM. */
  readonly groupsClaim: 'groups';
  stop(): Promise<void>;
}

/** Starts the provider on 127.0.0.1; JWKS at `/.well-known/jwks.json`, discovery at `/.well-known/openid-configuration`. */
export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<RunningIdentityProvider> {
  const stateDir = options.stateDir ?? join(localCacheDir, 'identity-provider');
  const jwks = await signingKeys(stateDir);
  const port = options.port === 'free' ? await freePort() : (options.port ?? DEFAULT_PROVIDER_PORT);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, providerConfiguration(jwks));
  const callback = provider.callback();
  const server = createServer((request, response) => {
    const interaction = /^\/interaction\/[\w-]+(\/login)?$/.exec(new URL(request.url ?? '/', issuer).pathname);
    if (!interaction) return void callback(request, response);
    const handled = interaction[1] ? signIn(provider, request, response) : continueInteraction(provider, request, response);
    handled.catch((error: unknown) => {
      // An expired interaction or a missing cookie: the provider's error says so; anything else stays internal.
      const known = error instanceof errors.OIDCProviderError;
      if (!response.headersSent) response.writeHead(known ? error.statusCode : 500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(known ? `${error.error}: ${error.error_description ?? ''}` : 'interaction failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    issuer,
    audience: API_AUDIENCE,
    clientId: CLI_CLIENT_ID,
    groupsClaim: 'groups',
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function providerConfiguration(jwks: JWKS): Configuration {
  return {
    jwks,
    clients: [
      {
        client_id: CLI_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [CLI_REDIRECT_URI],
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'offline_access', API_SCOPE],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    routes: { jwks: '/.well-known/jwks.json' },
    // Only first-party command-line clients; no browser application needs CORS here.
    clientBasedCORS: () => false,
    // The session cookies only need to outlive one sign-in, so a key per start is enough.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: ACCESS_TOKEN_TTL_SECONDS,
      Interaction: 10 * 60,
      Session: 24 * 60 * 60,
      Grant: 24 * 60 * 60,
      RefreshToken: 24 * 60 * 60,
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        // The token endpoint then issues the API's token, not a userinfo token, without asking for the resource again.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== API_RESOURCE) throw new errors.InvalidTarget(`the only resource here is ${API_RESOURCE}`);
          return { audience: API_AUDIENCE, scope: API_SCOPE, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // Cognito puts groups into `cognito:groups`; here they are `groups` (OIDC_GROUPS_CLAIM tells the gateway which).
    extraTokenClaims: (_ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const account = SEEDED_ACCOUNTS.find(({ sub }) => sub === token.accountId);
      return account ? { groups: [...account.groups] } : undefined;
    },
    findAccount: (_ctx, sub) => {
      const account = SEEDED_ACCOUNTS.find((candidate) => candidate.sub === sub);
      if (!account) return undefined;
      return { accountId: account.sub, claims: () => ({ sub: account.sub, email: account.email, email_verified: true }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Its callers are command-line clients and tests: a line of text serves them better than a styled page.
    renderError: (ctx, out) => {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
}

/**
 * The RS256 signing key, generated on first start and kept in `<stateDir>/jwks.json` (private, mode
 * 0600). Rotating it means deleting that file: tokens signed before then stop verifying.
 */
async function signingKeys(stateDir: string): Promise<JWKS> {
  const file = join(stateDir, 'jwks.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWKS;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(`${jwk.n}`).digest('base64url').slice(0, 16);
  const jwks = { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] } as JWKS;
  await mkdir(stateDir, { recursive: true });
  // Written aside and renamed, so a provider starting at the same moment never reads half a key.
  const prepared = `${file}.${randomUUID()}`;
  await writeFile(prepared, JSON.stringify(jwks), { mode: 0o600 });
  await rename(prepared, file);
  return jwks;
}

/** GET /interaction/:uid: the sign-in form, or the consent, given at once since the only client is our own. */
async function continueInteraction(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const interaction = await provider.interactionDetails(request, response);
  if (interaction.prompt.name === 'login') return signInForm(response, interaction.uid, 200);
  if (interaction.prompt.name !== 'consent' || interaction.params.client_id !== CLI_CLIENT_ID || !interaction.session) {
    throw new errors.AccessDenied(`no interaction for prompt ${interaction.prompt.name}`);
  }
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId: interaction.session.accountId, clientId: CLI_CLIENT_ID });
  if (!grant) throw new errors.AccessDenied('the grant of this interaction is gone');
  const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope);
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes);
  const grantId = await grant.save();
  await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** POST /interaction/:uid/login with `email` and `password`, form-encoded. */
async function signIn(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') {
    response.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const interaction = await provider.interactionDetails(request, response);
  const form = new URLSearchParams(await readBody(request));
  const account = SEEDED_ACCOUNTS.find(({ email }) => email === form.get('email')?.trim().toLowerCase());
  // Both checks always run, so the answer takes as long whether the email exists or not.
  const passwordMatches = sameSecret(form.get('password') ?? '', SEEDED_PASSWORD);
  if (!account || !passwordMatches) return signInForm(response, interaction.uid, 401);
  await provider.interactionFinished(request, response, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, without revealing the expected length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const SIGN_IN_REFUSED = 'Unknown email or wrong password.';

function signInForm(response: ServerResponse, uid: string, status: 200 | 401): void {
  const refusal = status === 401 ? `<p role="alert">${SIGN_IN_REFUSED}</p>` : '';
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(
    `<!doctype html><html><head><title>Sign in to the shop</title></head><body><h1>Sign in</h1>${refusal}` +
      `<form method="post" action="/interaction/${uid}/login">` +
      '<label>Email <input type="email" name="email" autofocus required></label> ' +
      '<label>Password <input type="password" name="password" required></label> ' +
      '<button type="submit">Sign in</button></form></body></html>',
  );
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024) throw new errors.InvalidRequest('the sign-in form is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
