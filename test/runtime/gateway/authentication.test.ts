import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayDeps } from '../../../runtime/gateway/src/app';
import { createAccessTokenVerifier, issuerKeySet } from '../../../runtime/gateway/src/identity/access-token-verifier';
import { UPSTREAMS as SERVICES, type UpstreamName as Service } from '../../../runtime/gateway/src/public-routes';
import type { ServiceApp } from '../../../runtime/shared/server';
import { ADA, ADMIN, GRACE } from '../shared/callers';
import { AUDIENCE, ISSUER, createTestIssuer, type TestIssuer } from './test-issuer';
import { deadUrl, gatewayInFrontOf, startServiceStubs, startUpstreamStub, type UpstreamStub } from './upstream-stub';

let issuer: TestIssuer;
let stubs: Record<Service, UpstreamStub>;
let gateway: ServiceApp | undefined;

beforeAll(async () => {
  issuer = await createTestIssuer();
  stubs = await startServiceStubs();
});
afterAll(async () => Promise.all(SERVICES.map((name) => stubs[name].close())));
beforeEach(() => {
  for (const name of SERVICES) stubs[name].received.length = 0;
});
afterEach(async () => {
  vi.useRealTimers();
  await gateway?.close();
  gateway = undefined;
});

function startGateway(overrides: Partial<GatewayDeps> = {}): ServiceApp {
  gateway = gatewayInFrontOf(stubs, issuer.verifier, overrides);
  return gateway;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const received = () => SERVICES.flatMap((name) => stubs[name].received);

/** Every way a token can be wrong, each made the way an attacker or a misconfiguration would make it. */
const BAD_TOKENS: ReadonlyArray<readonly [string, () => Promise<string>, string]> = [
  ['expired (beyond the 30 s skew)', () => issuer.token({ sub: ADA }, { expiresIn: -60 }), 'the token has expired'],
  ['not valid yet (nbf beyond the skew)', () => issuer.token({ sub: ADA }, { notBefore: 120 }), 'the token is not valid yet'],
  [
    'signed by another key under the same kid',
    async () => issuer.token({ sub: ADA }, { key: (await generateKeyPair('RS256')).privateKey }),
    'the token signature does not verify',
  ],
  [
    'with alg none and no signature',
    async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: ADA, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, groups: ['admin'] })}.`,
    'the token is not signed with RS256',
  ],
  [
    'HS256 with the issuer’s public key as the secret',
    async () => issuer.token({ sub: ADA, groups: ['admin'] }, { alg: 'HS256', key: new TextEncoder().encode(issuer.publicKeyPem) as never }),
    'the token is not signed with RS256',
  ],
  ['for another audience', () => issuer.token({ sub: ADA }, { audience: 'another-api' }), 'the token is for another audience'],
  ['without an audience or client_id', () => issuer.token({ sub: ADA }, { audience: null }), 'the token is for another audience'],
  ['from another issuer', () => issuer.token({ sub: ADA }, { issuer: 'https://evil.test' }), 'the token\'s iss claim is not accepted'],
  ['a Cognito ID token (token_use id)', () => issuer.token({ sub: ADA, token_use: 'id' }), 'the token is not an access token'],
  ['without a subject', () => issuer.token({ groups: [] }), 'the token\'s sub claim is not accepted'],
  ['not a JWT', async () => 'abc.def.ghi', 'the token is malformed'],
];

describe('tokens that are not accepted', () => {
  it.each(BAD_TOKENS)('refuses a token %s with 401 and WWW-Authenticate, on protected and public routes alike, calling no one', async (_case, make, description) => {
    const app = startGateway();
    const authorization = `Bearer ${await make()}`;
    for (const url of ['/api/orders', '/api/products', '/api/users', '/api/analytics/windows']) {
      const response = await app.inject({ method: 'GET', url, headers: { authorization } });
      expect(response.statusCode, url).toBe(401);
      expect(response.headers['www-authenticate']).toBe(`Bearer realm="shop", error="invalid_token", error_description="${description}"`);
      expect(response.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: `the access token is not accepted: ${description}` } });
    }
    expect(received()).toEqual([]);
  });

  it.each([['Basic YWRhOnB3'], ['Bearer'], ['Bearer two tokens'], ['bearer\ttab']])('refuses an Authorization header %j that is not one Bearer token', async (authorization) => {
    const response = await startGateway().inject({ method: 'GET', url: '/api/products', headers: { authorization } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="shop", error="invalid_token"/);
    expect(received()).toEqual([]);
  });

  it('accepts a token expired less than the clock skew ago', async () => {
    const token = await issuer.token({ sub: ADA }, { expiresIn: -10 });
    const response = await startGateway().inject({ method: 'GET', url: '/api/orders', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
  });
});

describe('access rules', () => {
  it('proxies product reads without a token, passing no identity on', async () => {
    const app = startGateway();
    expect((await app.inject('/api/products')).statusCode).toBe(200);
    expect((await app.inject('/api/products/p-1')).statusCode).toBe(200);
    expect(stubs.products.received).toHaveLength(2);
    expect(stubs.products.received[0]!.headers['x-caller-subject']).toBeUndefined();
  });

  it.each([
    ['POST', '/api/users'],
    ['GET', '/api/users'],
    ['GET', '/api/users/u-1'],
    ['PATCH', '/api/users/u-1'],
    ['DELETE', '/api/users/u-1'],
    ['POST', '/api/products'],
    ['PATCH', '/api/products/p-1'],
    ['DELETE', '/api/products/p-1'],
    ['POST', '/api/orders'],
    ['GET', '/api/orders'],
    ['GET', '/api/orders/o-1'],
    ['GET', '/api/notifications?orderId=o-1'],
    ['GET', '/api/analytics/windows'],
  ] as const)('refuses %s %s without a token: 401 with a bare WWW-Authenticate challenge', async (method, url) => {
    const hasBody = method === 'POST' || method === 'PATCH';
    const response = await startGateway().inject({ method, url, ...(hasBody ? { headers: { 'content-type': 'application/json' }, payload: '{}' } : {}) });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="shop"');
    expect(response.json().error.code).toBe('UNAUTHENTICATED');
    expect(received()).toEqual([]);
  });

  it.each([
    ['GET', '/api/users'],
    ['POST', '/api/products'],
    ['PATCH', '/api/products/p-1'],
    ['DELETE', '/api/products/p-1'],
    ['GET', '/api/analytics/windows'],
  ] as const)('refuses %s %s to a shopper with 403 FORBIDDEN and lets an administrator through', async (method, url) => {
    const app = startGateway();
    const hasBody = method === 'POST' || method === 'PATCH';
    const as = async (headers: Record<string, string>) =>
      app.inject({ method, url, headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) }, ...(hasBody ? { payload: '{}' } : {}) });
    const shopper = await as(await issuer.shopper());
    expect(shopper.statusCode).toBe(403);
    expect(shopper.json()).toEqual({ error: { code: 'FORBIDDEN', message: `${method} ${url.replace('p-1', ':id')} is for administrators` } });
    expect(received()).toEqual([]);
    expect((await as(await issuer.admin())).statusCode).toBe(200);
  });

  it('passes the verified subject and role on, never what the client claims in the identity headers', async () => {
    const app = startGateway();
    const forged = { 'x-caller-subject': ADMIN, 'x-caller-roles': 'admin', 'x-caller-service': 'orders' };
    await app.inject({ method: 'GET', url: '/api/products', headers: forged });
    const [anonymous] = stubs.products.received;
    expect([anonymous!.headers['x-caller-subject'], anonymous!.headers['x-caller-roles'], anonymous!.headers['x-caller-service']]).toEqual([undefined, undefined, undefined]);

    await app.inject({ method: 'GET', url: '/api/orders', headers: { ...forged, ...(await issuer.bearer(GRACE, ['beta', 'staff'])) } });
    const [signedIn] = stubs.orders.received;
    expect(signedIn!.headers['x-caller-subject']).toBe(GRACE);
    // Groups stay at the gateway: only the role derived from them travels.
    expect(signedIn!.headers['x-caller-roles']).toBe('');
    expect(signedIn!.headers['x-caller-service']).toBeUndefined();
    expect(signedIn!.headers.authorization).toBeUndefined();
  });

  it('accepts a Cognito access token: no aud, client_id equal to the audience, groups in the configured claim', async () => {
    const token = await issuer.token({ sub: ADA, client_id: AUDIENCE, token_use: 'access', groups: ['admin'] }, { audience: null });
    const response = await startGateway().inject({ method: 'GET', url: '/api/users', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    const other = await issuer.token({ sub: ADA, client_id: 'another-client', token_use: 'access' }, { audience: null });
    expect((await startGateway().inject({ method: 'GET', url: '/api/orders', headers: { authorization: `Bearer ${other}` } })).statusCode).toBe(401);
  });

  it('takes administrators from the configured group only', async () => {
    const app = startGateway({ adminGroup: 'shop-admins' });
    expect((await app.inject({ url: '/api/users', headers: await issuer.admin() })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/users', headers: await issuer.bearer(ADA, ['shop-admins']) })).statusCode).toBe(200);
    await app.inject({ url: '/api/orders', headers: await issuer.bearer(ADA, ['shop-admins']) });
    expect(stubs.orders.received.at(-1)!.headers['x-caller-roles']).toBe('admin');
  });
});

describe('the issuer’s key set', () => {
  /** A JWKS endpoint whose keys the test changes, counting fetches. */
  async function jwksEndpoint(keys: JWK[]) {
    const stub = await startUpstreamStub();
    const served = { keys };
    stub.behave(() => served);
    return { url: `${stub.url}/.well-known/jwks.json`, served, fetches: () => stub.received.length, close: () => stub.close() };
  }
  const keyPair = async (kid: string) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
  };
  const signed = (privateKey: CryptoKey, kid: string) =>
    new SignJWT({ sub: ADA }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(privateKey);

  it('is fetched once and cached, and fetched again for a key it does not hold (rotation), at most every 30 s', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    const endpoint = await jwksEndpoint([first.jwk]);
    try {
      const verifier = createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKeySet(endpoint.url) });
      await expect(verifier.verify(await signed(first.privateKey, 'k1'))).resolves.toEqual({ subject: ADA, groups: [] });
      await expect(verifier.verify(await signed(first.privateKey, 'k1'))).resolves.toBeDefined();
      expect(endpoint.fetches()).toBe(1);

      endpoint.served.keys = [second.jwk];
      // Within the cooldown, a token naming an unknown key is refused without asking the issuer again.
      await expect(verifier.verify(await signed(second.privateKey, 'k2'))).rejects.toMatchObject({ description: 'the token is not signed by a key of the issuer' });
      expect(endpoint.fetches()).toBe(1);

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 31_000);
      await expect(verifier.verify(await signed(second.privateKey, 'k2'))).resolves.toEqual({ subject: ADA, groups: [] });
      expect(endpoint.fetches()).toBe(2);
    } finally {
      await endpoint.close();
    }
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE, not 401, when the issuer’s keys cannot be fetched', async () => {
    const verifier = createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKeySet(`${await deadUrl()}/.well-known/jwks.json`) });
    const response = await startGateway({ accessTokens: verifier }).inject({ method: 'GET', url: '/api/orders', headers: await issuer.shopper() });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toEqual({ code: 'DEPENDENCY_UNAVAILABLE', message: 'identity provider keys is unavailable, retry later' });
    expect(received()).toEqual([]);
  });
});

describe('rate limit', () => {
  it('counts a signed-in caller per subject, whatever the address, and anonymous callers per address', async () => {
    const app = startGateway({ rateLimit: { max: 1, perSubjectMax: 2, timeWindowMs: 60_000 }, trustedProxies: ['127.0.0.1/8'] });
    const from = async (ip: string, headers: Record<string, string> = {}) =>
      (await app.inject({ url: '/api/products', headers: { 'x-forwarded-for': ip, ...headers } })).statusCode;
    const ada = await issuer.shopper();
    expect([await from('203.0.113.1', ada), await from('203.0.113.2', ada), await from('203.0.113.3', ada)]).toEqual([200, 200, 429]);
    // Grace shares Ada's first address but not her count; anonymous callers on it have their own.
    expect(await from('203.0.113.1', await issuer.bearer(GRACE))).toBe(200);
    expect([await from('203.0.113.1'), await from('203.0.113.1')]).toEqual([200, 429]);
  });
});

describe('logs', () => {
  it('never write a token, valid or not', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) });
    const app = startGateway({ logger: { level: 'trace', stream } });
    const valid = await issuer.token({ sub: ADA });
    const expired = await issuer.token({ sub: ADA }, { expiresIn: -600 });
    await app.inject({ url: '/api/orders', headers: { authorization: `Bearer ${valid}` } });
    await app.inject({ url: '/api/orders', headers: { authorization: `Bearer ${expired}` } });
    await app.inject({ url: '/api/users', headers: { authorization: `Bearer ${valid}` } });
    expect(lines.length).toBeGreaterThan(2);
    const signatures = [valid, expired].map((token) => token.split('.')[2]!);
    for (const line of lines) for (const signature of signatures) expect(line).not.toContain(signature);
  });
});
