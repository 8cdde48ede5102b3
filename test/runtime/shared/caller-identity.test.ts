import { afterEach, describe, expect, it } from 'vitest';
import { callerFrom, callerIdentity, createServiceApp, requireAdmin, requireService, requireUser, type ServiceApp } from '../../../runtime/shared/server';
import { ADA, ADMIN, asAdmin, asService, asUser } from './callers';

describe('callerFrom', () => {
  it.each([
    ['no identity headers', {}, undefined],
    ['a blank subject', { 'x-caller-subject': '  ' }, undefined],
    ['a shopper', asUser(ADA), { kind: 'user', subject: ADA, admin: false }],
    ['a shopper without a roles header', { 'x-caller-subject': ADA }, { kind: 'user', subject: ADA, admin: false }],
    ['an administrator among other roles', { 'x-caller-subject': ADMIN, 'x-caller-roles': 'beta, admin' }, { kind: 'user', subject: ADMIN, admin: true }],
    ['a role that only contains the word', { 'x-caller-subject': ADA, 'x-caller-roles': 'admins,not-admin' }, { kind: 'user', subject: ADA, admin: false }],
    ['a service forwarding a user', { ...asService('orders'), ...asAdmin() }, { kind: 'service', name: 'orders' }],
  ] as const)('reads %s', (_case, headers, expected) => {
    expect(callerFrom(headers)).toEqual(expected);
  });
});

describe('callerIdentity and the require* checks', () => {
  let app: ServiceApp | undefined;
  afterEach(async () => app?.close());

  function appWith(): ServiceApp {
    app = createServiceApp({ service: 'test', logger: false });
    void app.register(callerIdentity);
    app.get('/mine', async (request) => requireUser(request));
    app.get('/admin', async (request) => requireAdmin(request));
    app.get('/internal', async (request) => {
      requireService(request, 'orders');
      return request.caller;
    });
    return app;
  }
  const status = async (url: string, headers: Record<string, string>) => (await app!.inject({ url, headers })).statusCode;

  it('answers 401 without a caller, 403 to the wrong kind of caller, and the caller to the right one', async () => {
    appWith();
    expect([await status('/mine', {}), await status('/admin', {}), await status('/internal', {})]).toEqual([401, 401, 401]);
    expect((await app!.inject({ url: '/mine', headers: asUser(ADA) })).json()).toEqual({ kind: 'user', subject: ADA, admin: false });
    expect([await status('/mine', asService('orders')), await status('/admin', asUser(ADA)), await status('/internal', asAdmin())]).toEqual([403, 403, 403]);
    expect([await status('/admin', asAdmin()), await status('/internal', asService('orders')), await status('/internal', asService('notifications'))]).toEqual([200, 200, 403]);
  });
});
