import { Type, type Static } from '@sinclair/typebox';
import { IdParams, Page, PageQuery, errorResponses } from '../http';

/*
 * Public API of the users service: the one source for its routes (runtime/users) and for the
 * gateway's OpenAPI document. Field caps match the `users` table (email VARCHAR(254), name VARCHAR(200)).
 */

const Email = Type.String({ format: 'email', maxLength: 254, description: 'Stored and compared in lower case' });
// At least one non-space character: a name of only blanks is as good as none.
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User', title: 'User' },
);
export type User = Static<typeof User>;

export const CreateUserBody = Type.Object({ email: Email, name: Name }, { additionalProperties: false });
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object(
  { email: Type.Optional(Email), name: Type.Optional(Name) },
  { additionalProperties: false, minProperties: 1, description: 'Only the fields to change; at least one' },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

/** An id that is not a user's UUID names no user, so it is a 404 like any unknown id. */
export const UserIdParams = IdParams('User id (UUID)');

export const UserPage = Page(User);

const tags = ['users'];

/**
 * Route schemas by operation, for `app.route({ schema })` in the service and for the gateway's document.
 * Each lists the error statuses of its domain; createServiceApp adds those of its input (400, 413, 415).
 */
export const usersApi = {
  create: {
    tags,
    summary: 'Create the caller’s own profile',
    description:
      'Once per account, after signing up with the identity provider: the profile’s id is the account’s subject (`sub`). ' +
      '409 PROFILE_EXISTS when this account has one, 409 EMAIL_TAKEN when another profile has the email.',
    body: CreateUserBody,
    response: { 201: User, ...errorResponses(409, 503) },
  },
  get: {
    tags,
    summary: 'Read a user: one’s own profile, any for an administrator (another’s is 404)',
    params: UserIdParams,
    response: { 200: User, ...errorResponses(404, 503) },
  },
  update: {
    tags,
    summary: 'Change the email and/or name of a user: one’s own, any for an administrator',
    params: UserIdParams,
    body: UpdateUserBody,
    response: { 200: User, ...errorResponses(404, 409, 503) },
  },
  delete: {
    tags,
    summary: 'Delete a user: one’s own, any for an administrator',
    params: UserIdParams,
    response: { 204: Type.Null(), ...errorResponses(404, 503) },
  },
  list: {
    tags,
    summary: 'List users, oldest first, one page at a time (administrators)',
    querystring: PageQuery,
    response: { 200: UserPage, ...errorResponses(503) },
  },
} as const;
