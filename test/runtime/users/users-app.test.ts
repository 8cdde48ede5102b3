import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../runtime/users/src/app';
import type { UsersRepository } from '../../../runtime/users/src/users-repository';
import type { User } from '../../../runtime/shared/api/users';
import { DuplicateKeyError, SqlUnavailableError } from '../../../runtime/shared/sql';
import type { ServiceApp } from '../../../runtime/shared/server';

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

const create = (payload: unknown) => app.inject({ method: 'POST', url: '/users', payload: payload as object });

describe('users API', () => {
  it('registers a user with the email in lower case and reads it back', async () => {
    appWith();
    const created = await create({ email: 'Ada@Example.COM', name: ' Ada Lovelace ' });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace' });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    const read = await app.inject(`/users/${user.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(user);
  });

  it('answers 409 EMAIL_TAKEN for an email registered in another case', async () => {
    appWith();
    await create({ email: 'ada@example.com', name: 'Ada' });
    const again = await create({ email: 'ADA@example.com', name: 'Other Ada' });
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
    const malformed = await app.inject({ method: 'POST', url: '/users', headers, payload: '{"email":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    const xml = await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'application/xml' }, payload: '<user/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const text = await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'text/plain' }, payload: 'email=a' });
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
        const response = await app.inject({ method, url: `/users/${id}`, ...(payload ? { payload } : {}) });
        expect(response.statusCode, `${method} ${id}`).toBe(404);
        expect(response.json().error).toMatchObject({ code: 'USER_NOT_FOUND', details: { id } });
      }
    }
    expect(users.rows.size).toBe(0);
  });

  it('patches only the given fields, rejects an empty patch, and answers 409 for a taken email', async () => {
    const users = appWith();
    const ada = (await create({ email: 'ada@example.com', name: 'Ada' })).json();
    await create({ email: 'grace@example.com', name: 'Grace' });
    const renamed = await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, payload: { name: 'Countess' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ email: 'ada@example.com', name: 'Countess' });

    const writesBefore = users.writes();
    const empty = await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('VALIDATION_FAILED');
    const unknownField = await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, payload: { id: 'x' } });
    expect(unknownField.statusCode).toBe(400);
    const taken = await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, payload: { email: 'GRACE@example.com' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('EMAIL_TAKEN');
    expect(users.writes()).toBe(writesBefore);
    expect(users.rows.get(ada.id)?.email).toBe('ada@example.com');
  });

  it('deletes once: 204, then 404', async () => {
    appWith();
    const ada = (await create({ email: 'ada@example.com', name: 'Ada' })).json();
    const first = await app.inject({ method: 'DELETE', url: `/users/${ada.id}` });
    expect(first.statusCode).toBe(204);
    expect(first.body).toBe('');
    expect((await app.inject({ method: 'DELETE', url: `/users/${ada.id}` })).statusCode).toBe(404);
  });

  it('pages through users with an opaque cursor and rejects bad paging parameters', async () => {
    appWith();
    for (let i = 0; i < 5; i++) await create({ email: `u${i}@example.com`, name: `User ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await app.inject({ url: '/users', query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(page.statusCode).toBe(200);
      const body: { items: User[]; nextCursor: string | null } = page.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((u) => u.email));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(['u0@example.com', 'u1@example.com', 'u2@example.com', 'u3@example.com', 'u4@example.com']);

    const badQueries: Record<string, string>[] = [{ limit: '0' }, { limit: '101' }, { limit: 'ten' }, { cursor: 'garbage' }, { cursor: Buffer.from('{"createdAt":"x","id":"y"}').toString('base64url') }, { sort: 'name' }];
    for (const query of badQueries) {
      const response = await app.inject({ url: '/users', query });
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
