import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createUsersClient } from '../../../runtime/shared/clients/users-client';
import { DependencyUnavailableError, NotFoundError } from '../../../runtime/shared/errors';
import { createServiceClient, type ServiceClient } from '../../../runtime/shared/http/service-client';
import { freePort } from '../../../runtime/local/network';

let server: Server | undefined;
let client: ServiceClient | undefined;
afterEach(async () => {
  await client?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = client = undefined;
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createServiceClient', () => {
  it('returns 2xx-4xx answers with their JSON body, propagates the request id and names the calling service', async () => {
    let seenRequestId: string | undefined;
    let seenCaller: string | undefined;
    const baseUrl = await serve((request, response) => {
      seenRequestId = request.headers['x-request-id'] as string;
      seenCaller = request.headers['x-caller-service'] as string;
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"USER_NOT_FOUND","message":"no"}}');
    });
    client = createServiceClient({ caller: 'orders', name: 'users', baseUrl });
    const answer = await client.request({ method: 'GET', path: '/users/1', requestId: 'req-1' });
    expect(answer).toEqual({ status: 404, body: { error: { code: 'USER_NOT_FOUND', message: 'no' } } });
    expect(seenRequestId).toBe('req-1');
    expect(seenCaller).toBe('orders');
  });

  it('retries a 503 once and then reports the dependency unavailable', async () => {
    let calls = 0;
    const baseUrl = await serve((_request, response) => {
      calls++;
      response.writeHead(503).end();
    });
    client = createServiceClient({ caller: 'orders', name: 'products', baseUrl });
    await expect(client.request({ method: 'GET', path: '/x' })).rejects.toThrow(DependencyUnavailableError);
    expect(calls).toBe(2);
  });

  it('turns a refused connection and a slow answer into DependencyUnavailableError', async () => {
    client = createServiceClient({ caller: 'orders', name: 'users', baseUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(client.request({ method: 'GET', path: '/users/1' })).rejects.toMatchObject({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE' });
    await client.close();
    const baseUrl = await serve(() => undefined); // never answers
    client = createServiceClient({ caller: 'orders', name: 'users', baseUrl, timeoutMs: 200, attempts: 1 });
    const started = Date.now();
    await expect(client.request({ method: 'GET', path: '/users/1' })).rejects.toThrow('users is unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('createUsersClient', () => {
  it('maps 200 to the contact, 404 to USER_NOT_FOUND and a malformed answer to 503', async () => {
    const baseUrl = await serve((request, response) => {
      const answers: Record<string, [number, unknown]> = {
        '/users/u1': [200, { id: 'u1', email: 'ada@example.com', name: 'Ada', createdAt: 'x', updatedAt: 'x' }],
        '/users/u2': [404, { error: { code: 'USER_NOT_FOUND', message: 'no' } }],
        '/users/u3': [200, { id: 'u3' }],
      };
      const [status, body] = answers[request.url ?? ''] ?? [500, {}];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    client = createServiceClient({ caller: 'orders', name: 'users', baseUrl });
    const users = createUsersClient(client);
    await expect(users.getUser('u1')).resolves.toEqual({ id: 'u1', email: 'ada@example.com', name: 'Ada' });
    await expect(users.getUser('u2')).rejects.toBeInstanceOf(NotFoundError);
    await expect(users.getUser('u2')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(users.getUser('u3')).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
