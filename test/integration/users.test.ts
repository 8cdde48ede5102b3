import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../runtime/shared/api/users';
import type { ServiceApp } from '../../runtime/shared/server';
import { createMysqlSqlClient } from '../../runtime/shared/sql';
import { buildApp } from '../../runtime/users/src/app';
import { createUsersRepository } from '../../runtime/users/src/users-repository';
import { asAdmin, asUser } from '../runtime/shared/callers';
import { localBackends } from './backends';

const { env } = localBackends();
const sql = createMysqlSqlClient({ url: env.MYSQL_URL });
let app: ServiceApp;

beforeAll(async () => {
  app = buildApp({ users: createUsersRepository(sql), logger: false });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await sql.close();
});

const run = randomUUID().slice(0, 8);
const email = (name: string) => `${name}.${run}@example.com`;
/** Creates the profile of a new account (a fresh subject each time, as the gateway would pass it on), or of `subject`. */
const register = (payload: { email: string; name: string }, subject: string = randomUUID()) =>
  app.inject({ method: 'POST', url: '/users', headers: asUser(subject), payload });
/** The owner's identity headers. */
const as = (user: User) => asUser(user.id);

describe('users on MariaDB', () => {
  it('registers, reads, patches and deletes a user, with timestamps from the database round trip', async () => {
    const created = await register({ email: email('Ada').toUpperCase(), name: 'Ada' });
    expect(created.statusCode).toBe(201);
    const ada: User = created.json();
    expect(ada.email).toBe(email('ada'));
    expect((await app.inject({ url: `/users/${ada.id}`, headers: as(ada) })).json()).toEqual(ada);

    const patched = await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, headers: as(ada), payload: { name: 'Countess of Lovelace' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: ada.id, email: ada.email, name: 'Countess of Lovelace', createdAt: ada.createdAt });
    // Patching to the same values is still a 200, not a 404 (drivers differ on "affected rows" for no-op updates).
    expect((await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, headers: as(ada), payload: { name: 'Countess of Lovelace' } })).statusCode).toBe(200);

    expect((await app.inject({ method: 'DELETE', url: `/users/${ada.id}`, headers: as(ada) })).statusCode).toBe(204);
    expect((await app.inject({ url: `/users/${ada.id}`, headers: as(ada) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'PATCH', url: `/users/${ada.id}`, headers: as(ada), payload: { name: 'x' } })).statusCode).toBe(404);
  });

  it('gives each account one profile, under its subject: a second is 409 PROFILE_EXISTS, told apart from a taken email by the database’s key', async () => {
    const subject = randomUUID();
    const first = await register({ email: email('hedy'), name: 'Hedy' }, subject);
    expect(first.json().id).toBe(subject);
    const again = await register({ email: email('hedy.l'), name: 'Hedy again' }, subject);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('PROFILE_EXISTS');
  });

  it('lets exactly one of ten concurrent registrations of one email win, whatever its case', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => register({ email: i % 2 ? email('grace') : email('GRACE'), name: `Grace ${i}` })),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const loser of responses.filter((r) => r.statusCode === 409)) expect(loser.json().error.code).toBe('EMAIL_TAKEN');
    const [count] = await sql.query<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE email = :email', { email: email('grace') });
    expect(Number(count!.n)).toBe(1);
  });

  it('refuses to patch onto a taken email and leaves the user as it was', async () => {
    const alan: User = (await register({ email: email('alan'), name: 'Alan' })).json();
    await register({ email: email('barbara'), name: 'Barbara' });
    const taken = await app.inject({ method: 'PATCH', url: `/users/${alan.id}`, headers: as(alan), payload: { email: email('BARBARA'), name: 'Not Alan' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('EMAIL_TAKEN');
    expect((await app.inject({ url: `/users/${alan.id}`, headers: as(alan) })).json()).toEqual(alan);
  });

  it('pages through every user once, in creation order, across pages', async () => {
    const mine = new Set<string>();
    for (let i = 0; i < 7; i++) mine.add(((await register({ email: email(`paged${i}`), name: `Paged ${i}` })).json() as User).id);
    const seen: User[] = [];
    let cursor: string | null = null;
    do {
      const response = await app.inject({ url: '/users', headers: asAdmin(), query: { limit: '3', ...(cursor ? { cursor } : {}) } });
      expect(response.statusCode).toBe(200);
      const page: { items: User[]; nextCursor: string | null } = response.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
    for (const id of mine) expect(seen.map((u) => u.id)).toContain(id);
    const order = seen.map((u) => `${u.createdAt} ${u.id}`);
    expect(order).toEqual([...order].sort());
  });

  it('is ready when the database answers', async () => {
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });
});
