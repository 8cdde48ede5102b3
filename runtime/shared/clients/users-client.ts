import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DependencyUnavailableError, NotFoundError } from '../errors';
import type { ServiceClient } from '../http/service-client';

/** The part of the users service's `GET /users/:id` answer that other services rely on. */
const UserContact = Type.Object({ id: Type.String(), email: Type.String({ minLength: 3 }), name: Type.String() });
const isUserContact = TypeCompiler.Compile(UserContact);
export interface UserContact {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

/** Typed client of the users service: a 404 is `NotFoundError('user')` (USER_NOT_FOUND), faults are 503s. */
export function createUsersClient(http: ServiceClient) {
  return {
    async getUser(id: string, requestId?: string): Promise<UserContact> {
      const response = await http.request({ method: 'GET', path: `/users/${encodeURIComponent(id)}`, ...(requestId ? { requestId } : {}) });
      if (response.status === 404) throw new NotFoundError('user', id);
      if (response.status !== 200 || !isUserContact.Check(response.body)) {
        throw new DependencyUnavailableError('users', new Error(`unexpected answer ${response.status} to GET /users/${id}`));
      }
      const { email, name } = response.body;
      return { id, email, name };
    },
  };
}
export type UsersClient = ReturnType<typeof createUsersClient>;
