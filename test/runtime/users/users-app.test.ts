import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../runtime/users/src/app';
import type { UsersRepository } from '../../../runtime/users/src/users-repository';
import type { User } from '../../../runtime/shared/api/users';
import { DuplicateKeyError, SqlUnavailableError } from '../../../runtime/shared/sql';
import type { ServiceApp } from '../../../runtime/shared/server';
import { ADA, ADMIN, GRACE, asAdmin, asService, asUser } from '../shared/callers';

/** In-memory stand-in for the SQL repository: enough to drive the HTTP layer, and it counts writes. */
function fakeUsers(options: { down?: boolean } = {}) {
  const rows = new Map<string, User>();
  let writes = 0;
  const reachable = () => {
    if (options.down) throw new SqlUnavailableError('database unreachable (ECONNREFUSED)');
  };
  const repository: UsersRepository = {
    async insert(user) {
      reachable();
      if (rows.has(user.id)) throw new DuplicateKeyError('PRIMARY', 'Duplicate entry');
      if ([...rows.values()].some((row) => row.email === user.email)) throw new DuplicateKeyError('uq_users_email', 'Duplicate entry');
      writes++;
      rows.set(user.id, user);
    },
    async findById(id) {
      reachable();
      return rows.get(id);
    },
    async update(id, changes, updatedAt) {
      reachable();
      const row = rows.get(id);
      if (!row) return undefined;
      if (changes.email && [...rows.values()].some((other) => other.id !== id && other.email === changes.email)) {
        throw new DuplicateKeyError('uq_users_email', 'Duplicate entry');
      }
      writes++;
      const updated = { ...row, ...(changes.email ? { email: changes.email } : {}), ...(changes.name ? { name: changes.name } : {}), updatedAt: updatedAt.toISOString() };
      rows.set(id, updated);
      return updated;
    },
    async delete(id) {
      reachable();
      writes++;
      return rows.delete(id);
    },
    async listAfter(after, limit) {
      reachable();
      const sorted = [...rows.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      const start = after ? sorted.findIndex((u) => u.createdAt > after.createdAt || (u.createdAt === after.createdAt && u.id > after.id)) : 0;
      const rest = start < 0 ? [] : sorted.slice(start);
      return { users: rest.slice(0, limit), hasMore: rest.length > limit };
    },
    async ping() {
      reachable();
    },
  };
  return { repository, rows, writes: () => writes };
}

let app: ServiceApp;
afterEach(async () => app?.close());

function appWith(users = fakeUsers()) {
  app = buildApp({ users: users.repository, logger: false });
  return users;
}

const create = (payload: unknown, subject = ADA) => app.inject({ method: 'POST', url: '/users', headers: asUser(subject), payload: payload as object });
/** A distinct account's subject per number, for tests that need many profiles. */
const subjectNo = (n: number) => `0b7e5a2c-4d1e-4f7a-9a55-${String(n).padStart(12, '0')}`;

describe('users API', () => {
  it('creates the caller’s own profile, its id the account’s subject, with the email in lower case, and reads it back', async () => {
    appWith();
    const created = await create({ email: 'Ada@Example.COM', name: ' Ada Lovelace ' });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({ id: ADA, email: 'ada@example.com', name: 'Ada Lovelace' });
    const read = await app.inject({ url: `/users/${user.id}`, headers: asUser(ADA) });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(user);
  });

  it('answers 409 EMAIL_TAKEN for an email registered in another case', async () => {
    appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    const again = await create({ email: 'ADA@example.com', name: 'Other Ada' }, GRACE);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'EMAIL_TAKEN', details: { email: 'ada@example.com' } });
  });

  it.each([
    ['a missing email', { name: 'Ada' }, 'body.email'],
    ['a missing name', { email: 'ada@example.com' }, 'body.name'],
    ['a malformed email', { email: 'not-an-email', name: 'Ada' }, 'body.email'],
    ['an email longer than the column', { email: `${'a'.repeat(250)}@x.io`, name: 'Ada' }, 'body.email'],
    ['a name longer than the column', { email: 'ada@example.com', name: 'n'.repeat(201) }, 'body.name'],
    ['a blank name', { email: 'ada@example.com', name: '   ' }, 'body.name'],
    ['a wrong type', { email: 'ada@example.com', name: 42 }, 'body.name'],
    ['an unknown field', { email: 'ada@example.com', name: 'Ada', admin: true }, 'admin'],
  ])('rejects a create with %s, naming the field and storing nothing', async (_case, payload, field) => {
    const users = appWith();
    const response = await create(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    expect(response.json().error.message).toContain(field);
    expect(users.writes()).toBe(0);
  });

  it('rejects malformed JSON, a non-JSON body and an oversized body without storing anything', async () => {
    const users = appWith();
    const headers = { 'content-type': 'application/json' };
    const malformed = await app.inject({ method: 'POST', url: '/users', headers: { ...headers, ...asUser(ADA) }, payload: '{"email":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    const xml = await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'application/xml', ...asUser(ADA) }, payload: '<user/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const text = await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'text/plain', ...asUser(ADA) }, payload: 'email=a' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await create({ email: 'ada@example.com', name: 'x'.repeat(20_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(users.writes()).toBe(0);
  });

  it('answers 404 USER_NOT_FOUND for unknown and malformed ids on every id route', async () => {
    const users = appWith();
    for (const id of ['0b7e5a2c-4d1e-4f7a-9a55-7f3c1c2b9d10', 'not-a-uuid']) {
      for (const [method, payload] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
        const response = await app.inject({ method, url: `/users/${id}`, headers: asAdmin(), ...(payload ? { payload } : {}) });
        expect(response.statusCode, `${method} ${id}`).toBe(404);
        expect(response.json().error).toMatchObject({ code: 'USER_NOT_FOUND', details: { id } });
      }
    }
    expect(users.rows.size).toBe(0);
  });

  it('patches only the given fields, rejects an empty patch, and answers 409 for a taken email', async () => {
    const users = appWith();
    const ada = (await create({ email: 'ada@example.com', name: 'Ada' })).json();
    await create({ email: 'grace@example.com', name: 'Grace' }, GRACE);
    const patch = (payload: object) => app.inject({ method: 'PATCH', url: `/users/${ada.id}`, headers: asUser(ADA), payload });
    const renamed = await patch({ name: 'Countess' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ email: 'ada@example.com', name: 'Countess' });

    const writesBefore = users.writes();
    const empty = await patch({});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('VALIDATION_FAILED');
    const unknownField = await patch({ id: 'x' });
    expect(unknownField.statusCode).toBe(400);
    const taken = await patch({ email: 'GRACE@example.com' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('EMAIL_TAKEN');
    expect(users.writes()).toBe(writesBefore);
    expect(users.rows.get(ada.id)?.email).toBe('ada@example.com');
  });

  it('deletes once: 204, then 404', async () => {
    appWith();
    const ada = (await create({ email: 'ada@example.com', name: 'Ada' })).json();
    const remove = () => app.inject({ method: 'DELETE', url: `/users/${ada.id}`, headers: asUser(ADA) });
    const first = await remove();
    expect(first.statusCode).toBe(204);
    expect(first.body).toBe('');
    expect((await remove()).statusCode).toBe(404);
  });

  it('pages through users with an opaque cursor and rejects bad paging parameters', async () => {
    appWith();
    for (let i = 0; i < 5; i++) await create({ email: `u${i}@example.com`, name: `User ${i}` }, subjectNo(i));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await app.inject({ url: '/users', headers: asAdmin(), query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(page.statusCode).toBe(200);
      const body: { items: User[]; nextCursor: string | null } = page.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((u) => u.email));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(['u0@example.com', 'u1@example.com', 'u2@example.com', 'u3@example.com', 'u4@example.com']);

    const badQueries: Record<string, string>[] = [{ limit: '0' }, { limit: '101' }, { limit: 'ten' }, { cursor: 'garbage' }, { cursor: Buffer.from('{"createdAt":"x","id":"y"}').toString('base64url') }, { sort: 'name' }];
    for (const query of badQueries) {
      const response = await app.inject({ url: '/users', headers: asAdmin(), query });
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 503 when the database is down, and /readyz says so', async () => {
    appWith(fakeUsers({ down: true }));
    const response = await create({ email: 'ada@example.com', name: 'Ada' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('DEPENDENCY_UNAVAILABLE');
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.database).toContain('ECONNREFUSED');
  });
});

describe('who may do what', () => {
  const read = (id: string, headers: Record<string, string> = {}) => app.inject({ url: `/users/${id}`, headers });

  it('refuses every route without a caller with 401 UNAUTHENTICATED, storing nothing', async () => {
    const users = appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    const writes = users.writes();
    for (const [method, url, payload] of [
      ['POST', '/users', { email: 'x@example.com', name: 'X' }],
      ['GET', `/users/${ADA}`],
      ['PATCH', `/users/${ADA}`, { name: 'x' }],
      ['DELETE', `/users/${ADA}`],
      ['GET', '/users'],
    ] as const) {
      const response = await app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
    expect(users.writes()).toBe(writes);
  });

  it('answers 409 PROFILE_EXISTS to a second profile of the same account', async () => {
    appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    const again = await create({ email: 'ada.l@example.com', name: 'Ada again' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('PROFILE_EXISTS');
  });

  it('ignores an id in the body: the profile is always the caller’s own', async () => {
    appWith();
    const response = await create({ id: GRACE, email: 'ada@example.com', name: 'Ada' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain('body.id');
  });

  it('answers another shopper’s profile with 404 on every id route, as if it did not exist, and leaves it unchanged', async () => {
    const users = appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    const asGrace = asUser(GRACE);
    for (const [method, payload] of [['GET'], ['PATCH', { name: 'Mallory' }], ['DELETE']] as const) {
      const response = await app.inject({ method, url: `/users/${ADA}`, headers: asGrace, ...(payload ? { payload } : {}) });
      expect(response.statusCode, method).toBe(404);
      expect(response.json().error.code).toBe('USER_NOT_FOUND');
    }
    expect(users.rows.get(ADA)?.name).toBe('Ada');
  });

  it('lists users for administrators only (403 for a shopper)', async () => {
    appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    const shopper = await app.inject({ url: '/users', headers: asUser(ADA) });
    expect(shopper.statusCode).toBe(403);
    expect(shopper.json().error.code).toBe('FORBIDDEN');
    const admin = await app.inject({ url: '/users', headers: asAdmin() });
    expect(admin.statusCode).toBe(200);
    expect(admin.json().items.map((user: User) => user.id)).toEqual([ADA]);
  });

  it('lets an administrator read, change and delete any profile', async () => {
    appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    expect((await read(ADA, asAdmin())).statusCode).toBe(200);
    const renamed = await app.inject({ method: 'PATCH', url: `/users/${ADA}`, headers: asAdmin(), payload: { name: 'Countess' } });
    expect(renamed.json().name).toBe('Countess');
    expect((await app.inject({ method: 'DELETE', url: `/users/${ADA}`, headers: asAdmin() })).statusCode).toBe(204);
  });

  it('lets a service read a contact, but not change or delete one', async () => {
    const users = appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    expect((await read(ADA, asService('notifications'))).json().email).toBe('ada@example.com');
    const patch = await app.inject({ method: 'PATCH', url: `/users/${ADA}`, headers: asService('orders'), payload: { name: 'x' } });
    expect(patch.statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/users/${ADA}`, headers: asService('orders') })).statusCode).toBe(403);
    expect(users.rows.has(ADA)).toBe(true);
  });

  it('treats the admin group only as a group: an admin subject without it is a shopper', async () => {
    appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    expect((await read(ADA, asUser(ADMIN))).statusCode).toBe(404);
    expect((await app.inject({ url: '/users', headers: { 'x-caller-subject': ADMIN, 'x-caller-roles': 'admins,shop-admin' } })).statusCode).toBe(403);
  });
});
