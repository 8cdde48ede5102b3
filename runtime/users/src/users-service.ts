import type { CreateUserBody, UpdateUserBody, User } from '../../shared/api/users';
import { ConflictError, DependencyUnavailableError, NotFoundError, ValidationError } from '../../shared/errors';
import { CreatedAtPosition, decodeCursor, encodeCursor } from '../../shared/http';
import { DuplicateKeyError, SqlUnavailableError } from '../../shared/sql';
import type { UsersRepository } from './users-repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UsersServiceDeps {
  readonly users: UsersRepository;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** Emails are compared case-insensitively by storing them in one case. */
const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** Runs a database call, turning the driver's faults into the domain errors the API answers with. */
async function inDatabase<T>(work: () => Promise<T>, email?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DuplicateKeyError && error.key === 'PRIMARY') {
      throw new ConflictError('PROFILE_EXISTS', 'this account already has a profile; change it with PATCH /users/{id}');
    }
    if (error instanceof DuplicateKeyError && email !== undefined) {
      throw new ConflictError('EMAIL_TAKEN', `email ${email} is already registered; use another or update that user`, { email });
    }
    if (error instanceof SqlUnavailableError) throw new DependencyUnavailableError('users database', error);
    throw error;
  }
}

export function createUsersService({ users, now = () => new Date() }: UsersServiceDeps) {
  /** Ids that are not UUIDs cannot name a user: answered like any unknown id, without a query. */
  const requireUserId = (id: string) => {
    if (!UUID.test(id)) throw new NotFoundError('user', id);
    return id.toLowerCase();
  };

  return {
    /** The profile of the account `subject` names (the identity provider's subject), which becomes its id. */
    async register(subject: string, input: CreateUserBody): Promise<User> {
      if (!UUID.test(subject)) throw new ValidationError(`the account's subject ${subject} is not a UUID, so it cannot name a profile`);
      const at = now().toISOString();
      const user: User = { id: subject.toLowerCase(), email: normaliseEmail(input.email), name: input.name.trim(), createdAt: at, updatedAt: at };
      await inDatabase(() => users.insert(user), user.email);
      return user;
    },

    async get(id: string): Promise<User> {
      const user = await inDatabase(() => users.findById(requireUserId(id)));
      if (!user) throw new NotFoundError('user', id);
      return user;
    },

    async update(id: string, changes: UpdateUserBody): Promise<User> {
      const email = changes.email === undefined ? undefined : normaliseEmail(changes.email);
      const name = changes.name?.trim();
      const user = await inDatabase(() => users.update(requireUserId(id), { email, name }, now()), email);
      if (!user) throw new NotFoundError('user', id);
      return user;
    },

    async remove(id: string): Promise<void> {
      const deleted = await inDatabase(() => users.delete(requireUserId(id)));
      if (!deleted) throw new NotFoundError('user', id);
    },

    async list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor: string | null }> {
      const after = cursor === undefined ? undefined : decodeCursor<CreatedAtPosition>(cursor, CreatedAtPosition);
      const { users: items, hasMore } = await inDatabase(() => users.listAfter(after, limit));
      const last = items.at(-1);
      return { items, nextCursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
