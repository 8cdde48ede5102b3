import { createHash, randomBytes } from 'node:crypto';
import { API_RESOURCE, API_SCOPE, CLI_CLIENT_ID, CLI_REDIRECT_URI, SEEDED_PASSWORD } from './local-identity';

export interface AccessTokenRequest {
  /** The provider's issuer URL, e.g. `http://127.0.0.1:5010`. */
  readonly issuer: string;
  readonly email: string;
  /** @default the seeded accounts' local password */
  readonly password?: string;
  /** @default 'shop-cli' */
  readonly clientId?: string;
}

/** The provider answered, but not with a token: a refused sign-in or a protocol error. */
export class AccessTokenRefusedError extends Error {
  override readonly name = 'AccessTokenRefusedError';
}

const MAX_REDIRECTS = 10;

/**
 * Signs in as a user through the provider's own endpoints, like a command-line client would: an
 * authorization request with PKCE, the sign-in form, the redirect to the loopback URI (read from the
 * `Location` header, so nothing needs to listen there), and the code exchanged at the token endpoint.
 * Resolves to the access token for the shop's API.
 */
export async function requestAccessToken(request: AccessTokenRequest): Promise<string> {
  const issuer = request.issuer.replace(/\/+$/, '');
  const clientId = request.clientId ?? CLI_CLIENT_ID;
  const metadata = await discover(issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorization = new URL(metadata.authorization_endpoint);
  authorization.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: CLI_REDIRECT_URI,
    scope: `openid ${API_SCOPE}`,
    resource: API_RESOURCE,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
  }).toString();

  const browser = new CookieJar();
  let response = await browser.fetch(authorization);
  for (let hops = 0; ; hops++) {
    if (hops > MAX_REDIRECTS) throw new AccessTokenRefusedError(`the provider at ${issuer} redirected more than ${MAX_REDIRECTS} times`);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, response.url);
      if (`${next.origin}${next.pathname}` === CLI_REDIRECT_URI) {
        const code = codeFromRedirect(next, state, issuer);
        return exchangeCode(metadata.token_endpoint, { code, clientId, verifier, issuer });
      }
      response = await browser.fetch(next);
      continue;
    }
    const page = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action) {
      throw new AccessTokenRefusedError(`the provider at ${issuer} answered ${response.status} during sign-in: ${page.slice(0, 200)}`);
    }
    const signIn = await browser.fetch(new URL(action, response.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: request.email, password: request.password ?? SEEDED_PASSWORD }).toString(),
    });
    if (signIn.status === 401) {
      await signIn.body?.cancel();
      throw new AccessTokenRefusedError(`the provider at ${issuer} refused the sign-in of ${request.email}: unknown email or wrong password`);
    }
    response = signIn;
  }
}

interface ProviderMetadata {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

async function discover(issuer: string): Promise<ProviderMetadata> {
  let response: Response;
  try {
    response = await fetch(`${issuer}/.well-known/openid-configuration`);
  } catch (error) {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new Error(`The identity provider ${issuer} is not reachable (${reason}). Is the shop running? Start it with \`npm start\`.`);
  }
  if (!response.ok) throw new Error(`${issuer} is not an OpenID Connect provider: its discovery document answered ${response.status}`);
  return (await response.json()) as ProviderMetadata;
}

function codeFromRedirect(redirect: URL, state: string, issuer: string): string {
  const error = redirect.searchParams.get('error');
  if (error) {
    throw new AccessTokenRefusedError(`the provider at ${issuer} refused the authorization: ${error} ${redirect.searchParams.get('error_description') ?? ''}`.trim());
  }
  if (redirect.searchParams.get('state') !== state) throw new AccessTokenRefusedError(`the provider at ${issuer} returned another request's state`);
  const code = redirect.searchParams.get('code');
  if (!code) throw new AccessTokenRefusedError(`the provider at ${issuer} redirected without an authorization code`);
  return code;
}

async function exchangeCode(tokenEndpoint: string, exchange: { code: string; clientId: string; verifier: string; issuer: string }): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: exchange.code,
      redirect_uri: CLI_REDIRECT_URI,
      client_id: exchange.clientId,
      code_verifier: exchange.verifier,
      resource: API_RESOURCE,
    }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new AccessTokenRefusedError(`the token endpoint of ${exchange.issuer} answered ${response.status}: ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  }
  return body.access_token;
}

/** The provider's cookies (session and interaction), carried from one redirect to the next like a browser would. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*expires=/i.test(attribute) && Date.parse(attribute.split('=')[1] ?? '') <= Date.now());
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}
