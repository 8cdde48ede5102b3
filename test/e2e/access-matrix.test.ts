import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, decodeJwt, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAccessToken } from '../../runtime/local/access-token';
import { SEEDED_ACCOUNTS } from '../../runtime/local/local-identity';
import { startServices, type RunningServices } from '../../runtime/local/services';
import type { Notification } from '../../runtime/shared/api/notifications';
import type { Order } from '../../runtime/shared/api/orders';
import { localBackends } from '../integration/backends';
import { eventually } from '../integration/orders-support';

/*
 * Who may do what, through the gateway of the platform as `npm start` runs it: every route of the public API
 * against every kind of caller, with tokens from the local OpenID Connect provider (and, for the forged kinds,
 * tokens signed with its real key but wrong claims, or with another key, or not signed at all).
 */

const { env, stateDir, identityProvider } = localBackends();
const runDir = join(stateDir, 'e2e-access-matrix');
let services: RunningServices | undefined;

const account = (email: string) => SEEDED_ACCOUNTS.find((seeded) => seeded.email === email)!;
const ada = account('ada@example.com');
const grace = account('grace@example.com');
const admin = account('admin@example.com');

type Principal = 'anonymous' | 'shopper A' | 'shopper B' | 'admin' | 'expired' | 'other key' | 'alg none' | 'wrong audience' | 'other issuer';
const FORGED: readonly Principal[] = ['expired', 'other key', 'alg none', 'wrong audience', 'other issuer'];
const PRINCIPALS: readonly Principal[] = ['anonymous', 'shopper A', 'shopper B', 'admin', ...FORGED];
const tokens = new Map<Principal, string>();

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

async function call(method: string, path: string, principal: Principal, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  const token = tokens.get(principal);
  const response = await fetch(`${services!.gatewayUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...extraHeaders,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /docs answers HTML
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Tokens with one thing wrong each, all for shopper A; every other claim is what the provider itself issues. */
async function forgeTokens(genuine: string): Promise<void> {
  const claims = decodeJwt(genuine);
  const { keys } = JSON.parse(await readFile(join(stateDir, 'identity-provider', 'jwks.json'), 'utf8')) as { keys: (JWK & { kid: string })[] };
  const providerKey = await importJWK(keys[0]!, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const sign = (payload: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0] = providerKey) =>
    new SignJWT({ ...claims, ...payload }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: keys[0]!.kid }).sign(key);

  tokens.set('expired', await sign({ iat: now - 3600, exp: now - 600 }));
  tokens.set('other key', await sign({}, (await generateKeyPair('RS256')).privateKey));
  const unsigned = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  tokens.set('alg none', `${unsigned({ alg: 'none', typ: 'at+jwt' })}.${unsigned(claims)}.`);
  tokens.set('wrong audience', await sign({ aud: 'another-api', client_id: 'another-client' }));
  tokens.set('other issuer', await sign({ iss: 'http://127.0.0.1:1/another-issuer' }));
}

/** Everything a cell's request needs that must exist before it: made by the owners themselves, through the gateway. */
const fixtures = { productId: '', orderOfA: '' };

async function ensureProfile(principal: Principal, email: string): Promise<void> {
  const answer = await call('POST', '/api/users', principal, { email, name: principal });
  if (answer.status !== 201 && answer.status !== 409) throw new Error(`profile of ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

async function newProduct(): Promise<string> {
  const answer = await call('POST', '/api/products', 'admin', { name: `Matrix ${randomUUID()}`, priceCents: 500, currency: 'EUR', stock: 10_000 });
  if (answer.status !== 201) throw new Error(`product: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id as string;
}

interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: () => string;
  readonly body?: () => unknown;
  /** Runs before each cell: what the cell's request acts on exists again (a previous cell may have deleted it). */
  readonly prepare?: (principal: Principal) => Promise<void>;
  /** The expected status for each caller that holds a genuine token or none. */
  readonly expect: Readonly<Record<'anonymous' | 'shopper A' | 'shopper B' | 'admin', number>>;
  /** For each forged token. @default 401: an API route refuses a bad token even where none is needed */
  readonly forged?: number;
}

const PUBLIC_READ = { anonymous: 200, 'shopper A': 200, 'shopper B': 200, admin: 200 } as const;
const ADMIN_ONLY = (success: number) => ({ anonymous: 401, 'shopper A': 403, 'shopper B': 403, admin: success }) as const;
/** A's own resource: A and the admin may, B is told it does not exist. */
const OWNED_BY_A = (success: number) => ({ anonymous: 401, 'shopper A': success, 'shopper B': 404, admin: success }) as const;
const ANY_SIGNED_IN = (success: number) => ({ anonymous: 401, 'shopper A': success, 'shopper B': success, admin: success }) as const;

const emailOf: Record<'shopper A' | 'shopper B' | 'admin', string> = { 'shopper A': ada.email, 'shopper B': grace.email, admin: admin.email };
const isSignedIn = (principal: Principal): principal is keyof typeof emailOf => principal in emailOf;

const ROUTES: readonly Route[] = [
  // The API's description is not the API: it never reads the Authorization header.
  { method: 'GET', path: () => '/docs/json', expect: PUBLIC_READ, forged: 200 },
  { method: 'GET', path: () => '/api/products', expect: PUBLIC_READ },
  { method: 'GET', path: () => `/api/products/${fixtures.productId}`, expect: PUBLIC_READ },
  {
    method: 'POST',
    path: () => '/api/products',
    body: () => ({ name: 'Matrix kettle', priceCents: 1200, currency: 'EUR', stock: 3 }),
    expect: ADMIN_ONLY(201),
  },
  { method: 'PATCH', path: () => `/api/products/${fixtures.productId}`, body: () => ({ priceCents: 500 }), expect: ADMIN_ONLY(200) },
  {
    method: 'DELETE',
    path: () => `/api/products/${fixtures.productId}`,
    // The admin's cell deletes it: every cell gets a product that exists.
    prepare: async () => {
      fixtures.productId = await newProduct();
    },
    expect: ADMIN_ONLY(204),
  },
  { method: 'GET', path: () => '/api/users?limit=5', expect: ADMIN_ONLY(200) },
  {
    method: 'POST',
    path: () => '/api/users',
    body: () => ({ email: `matrix-${randomUUID()}@example.com`, name: 'Matrix' }),
    // Each caller creates their own profile: it must not exist yet.
    prepare: async (principal) => {
      if (!isSignedIn(principal)) return;
      const subject = account(emailOf[principal]).sub;
      const removed = await call('DELETE', `/api/users/${subject}`, 'admin');
      if (removed.status !== 204 && removed.status !== 404) throw new Error(`removing the profile of ${principal}: ${removed.status}`);
    },
    expect: ANY_SIGNED_IN(201),
  },
  { method: 'GET', path: () => `/api/users/${ada.sub}`, prepare: () => ensureProfile('shopper A', ada.email), expect: OWNED_BY_A(200) },
  {
    method: 'PATCH',
    path: () => `/api/users/${ada.sub}`,
    body: () => ({ name: 'Ada Lovelace' }),
    prepare: () => ensureProfile('shopper A', ada.email),
    expect: OWNED_BY_A(200),
  },
  { method: 'DELETE', path: () => `/api/users/${ada.sub}`, prepare: () => ensureProfile('shopper A', ada.email), expect: OWNED_BY_A(204) },
  {
    method: 'POST',
    path: () => '/api/orders',
    body: () => ({ items: [{ productId: fixtures.productId, quantity: 1 }] }),
    prepare: async (principal) => {
      fixtures.productId = await newProduct();
      if (isSignedIn(principal)) await ensureProfile(principal, emailOf[principal]);
    },
    expect: ANY_SIGNED_IN(201),
  },
  { method: 'GET', path: () => '/api/orders', expect: ANY_SIGNED_IN(200) },
  { method: 'GET', path: () => `/api/orders?userId=${ada.sub}`, expect: { anonymous: 401, 'shopper A': 200, 'shopper B': 403, admin: 200 } },
  { method: 'GET', path: () => `/api/orders/${fixtures.orderOfA}`, expect: OWNED_BY_A(200) },
  // Existence does not leak here either: B's list for A's order is empty (checked below), not an error.
  { method: 'GET', path: () => `/api/notifications?orderId=${fixtures.orderOfA}`, expect: ANY_SIGNED_IN(200) },
  { method: 'GET', path: () => '/api/analytics/windows', expect: ADMIN_ONLY(200) },
];

beforeAll(async () => {
  services = await startServices({ env: { ...env }, identityProvider, logsDir: join(runDir, 'logs'), ports: 'free', logLevel: 'warn' });
  for (const [principal, email] of Object.entries(emailOf)) tokens.set(principal as Principal, await requestAccessToken({ issuer: identityProvider.issuer, email }));
  await forgeTokens(tokens.get('shopper A')!);

  await ensureProfile('shopper A', ada.email);
  await ensureProfile('shopper B', grace.email);
  await ensureProfile('admin', admin.email);
  fixtures.productId = await newProduct();
  const placed = await call('POST', '/api/orders', 'shopper A', { items: [{ productId: fixtures.productId, quantity: 2 }] });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  fixtures.orderOfA = (placed.body as Order).id;
});

afterAll(async () => {
  await services?.stop();
});

const cells = ROUTES.flatMap((route) => PRINCIPALS.map((principal) => ({ route, principal })));

describe(`the access matrix: ${ROUTES.length} routes x ${PRINCIPALS.length} callers = ${cells.length} cells`, () => {
  it('answers every cell with its expected status; refusals carry the shared error shape, 401s a Bearer challenge', async () => {
    const wrong: string[] = [];
    for (const { route, principal } of cells) {
      await route.prepare?.(principal);
      const expected = FORGED.includes(principal) ? (route.forged ?? 401) : route.expect[principal as keyof Route['expect']];
      const path = route.path();
      const answer = await call(route.method, path, principal, route.body?.());
      const cell = `${route.method} ${path} as ${principal}`;
      if (answer.status !== expected) {
        wrong.push(`${cell}: ${answer.status}, expected ${expected} ${JSON.stringify(answer.body).slice(0, 200)}`);
        continue;
      }
      if (expected === 401 || expected === 403 || expected === 404) {
        if (typeof answer.body?.error?.code !== 'string' || typeof answer.body?.error?.message !== 'string') wrong.push(`${cell}: no error shape`);
      }
      if (expected === 401) {
        const challenge = answer.headers.get('www-authenticate') ?? '';
        if (!challenge.startsWith('Bearer')) wrong.push(`${cell}: WWW-Authenticate is ${JSON.stringify(challenge)}`);
        if (principal !== 'anonymous' && !challenge.includes('error="invalid_token"')) wrong.push(`${cell}: the challenge does not say the token is invalid`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('shopper B never reaches shopper A', () => {
  it('the order placed for A belongs to A, whatever the body says', async () => {
    const answer = await call('POST', '/api/orders', 'shopper A', { userId: grace.sub, items: [{ productId: fixtures.productId, quantity: 1 }] });
    expect(answer.status).toBe(400);
    const order = await call('GET', `/api/orders/${fixtures.orderOfA}`, 'shopper A');
    expect(order.body.userId).toBe(ada.sub);
  });

  it("B's lists hold nothing of A's, with or without a userId, and a forged identity header changes nothing", async () => {
    await ensureProfile('shopper B', grace.email);
    const ownOrder = await call('POST', '/api/orders', 'shopper B', { items: [{ productId: fixtures.productId, quantity: 1 }] });
    expect(ownOrder.status).toBe(201);

    const spoofedHeaders = { 'x-caller-subject': ada.sub, 'x-caller-roles': 'admin', 'x-caller-service': 'orders' };
    for (const headers of [{}, spoofedHeaders]) {
      const list = await call('GET', '/api/orders?limit=100', 'shopper B', undefined, headers);
      expect(list.status).toBe(200);
      const owners = new Set((list.body.items as Order[]).map((order) => order.userId));
      expect([...owners]).toEqual([grace.sub]);
      expect((await call('GET', `/api/orders/${fixtures.orderOfA}`, 'shopper B', undefined, headers)).status).toBe(404);
      expect((await call('GET', `/api/users/${ada.sub}`, 'shopper B', undefined, headers)).status).toBe(404);
      expect((await call('GET', '/api/users', 'shopper B', undefined, headers)).status).toBe(403);
    }
    for (const query of [`userId=${ada.sub}`, `userId=${ada.sub}&userId=${grace.sub}`, `userId=${ada.sub.toUpperCase()}`]) {
      const answer = await call('GET', `/api/orders?${query}`, 'shopper B');
      expect([400, 403], `GET /api/orders?${query}: ${answer.status}`).toContain(answer.status);
    }
    expect((await call('PATCH', `/api/users/${ada.sub}`, 'shopper B', { name: 'Mallory' })).status).toBe(404);
    expect((await call('DELETE', `/api/users/${ada.sub}`, 'shopper B')).status).toBe(404);
    await ensureProfile('shopper A', ada.email);
    expect((await call('GET', `/api/users/${ada.sub}`, 'shopper A')).body.name).not.toBe('Mallory');
  });

  it("A's confirmation is listed for A and the admin, never for B", async () => {
    const listFor = async (principal: Principal) =>
      (await call('GET', `/api/notifications?orderId=${fixtures.orderOfA}`, principal)).body as { items: Notification[] };
    await eventually(async () => ((await listFor('shopper A')).items.length > 0 ? true : undefined), `the confirmation of ${fixtures.orderOfA}`, 60_000);
    expect((await listFor('admin')).items.map((notification) => notification.orderId)).toContain(fixtures.orderOfA);
    expect((await listFor('shopper B')).items).toEqual([]);
  });
});
