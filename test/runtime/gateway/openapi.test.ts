import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../runtime/gateway/src/app';
import type { ServiceApp } from '../../../runtime/shared/server';

// Every route of DESIGN.md's public API table, plus the analytics read model the gateway serves itself.
const PUBLIC_API: ReadonlyArray<readonly [path: string, method: 'get' | 'post' | 'patch' | 'delete', success: string]> = [
  ['/api/users', 'post', '201'],
  ['/api/users', 'get', '200'],
  ['/api/users/{id}', 'get', '200'],
  ['/api/users/{id}', 'patch', '200'],
  ['/api/users/{id}', 'delete', '204'],
  ['/api/products', 'post', '201'],
  ['/api/products', 'get', '200'],
  ['/api/products/{id}', 'get', '200'],
  ['/api/products/{id}', 'patch', '200'],
  ['/api/products/{id}', 'delete', '204'],
  ['/api/orders', 'post', '201'],
  ['/api/orders', 'get', '200'],
  ['/api/orders/{id}', 'get', '200'],
  ['/api/notifications', 'get', '200'],
  ['/api/analytics/windows', 'get', '200'],
];

let app: ServiceApp;
let document: OpenAPIV3.Document;

beforeAll(async () => {
  const nowhere = 'http://127.0.0.1:1';
  app = buildApp({ upstreamUrls: { users: nowhere, products: nowhere, orders: nowhere, notifications: nowhere }, rateLimit: { max: 100, timeWindowMs: 60_000 }, logger: false });
  document = (await app.inject('/docs/json')).json();
});
afterAll(() => app.close());

describe('/docs', () => {
  it('serves a document that validates as OpenAPI 3', async () => {
    expect(document.openapi).toMatch(/^3\.0\./);
    // validate() dereferences in place; give it a copy so the assertions below see the document as served.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it.each(PUBLIC_API)('describes %s %s with its success answer and the shared error shape', (path, method, success) => {
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    const responses = operation!.responses as Record<string, OpenAPIV3.ResponseObject>;
    expect(Object.keys(responses)).toContain(success);
    const limited = responses['429']?.content?.['application/json']?.schema as OpenAPIV3.SchemaObject | undefined;
    expect(limited?.required).toEqual(['error']);
    expect(Object.keys((limited?.properties?.error as OpenAPIV3.SchemaObject).properties ?? {})).toEqual(['code', 'message', 'details']);
  });

  it('documents nothing but the public API: probes and metrics stay out', () => {
    expect(Object.keys(document.paths).sort()).toEqual([...new Set(PUBLIC_API.map(([path]) => path))].sort());
  });

  it('lists the error shape as a named schema and serves the UI', async () => {
    expect(document.components?.schemas?.ErrorBody).toBeDefined();
    const ui = await app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});
