import { decodeJwt } from 'jose';
import { requestAccessToken } from '../../runtime/local/access-token';
import type { User } from '../../runtime/shared/api/users';
import { localBackends } from './backends';

/** A seeded account signed in at this run's identity provider. */
export interface SignedIn {
  /** The `Authorization` header value. */
  readonly authorization: string;
  /** The account's subject: the id of its profile. */
  readonly subject: string;
}

/** Signs in through the provider's real authorization-code flow, as `npm run token` does. */
export async function signIn(email: string): Promise<SignedIn> {
  const token = await requestAccessToken({ issuer: localBackends().identityProvider.issuer, email });
  return { authorization: `Bearer ${token}`, subject: decodeJwt(token).sub! };
}

/**
 * The account's profile through the gateway: created with `fields` as a new shopper does, or, since the
 * seeded accounts are shared by every test of the run, the one an earlier test created.
 */
export async function profileOf(gatewayUrl: string, account: SignedIn, fields: { email: string; name: string }): Promise<User> {
  const headers = { authorization: account.authorization };
  const created = await fetch(`${gatewayUrl}/api/users`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(fields) });
  if (created.status === 201) return (await created.json()) as User;
  const refusal = (await created.json()) as { error?: { code?: string } };
  if (created.status !== 409 || refusal.error?.code !== 'PROFILE_EXISTS') throw new Error(`POST /api/users answered ${created.status}: ${JSON.stringify(refusal)}`);
  const existing = await fetch(`${gatewayUrl}/api/users/${account.subject}`, { headers });
  if (existing.status !== 200) throw new Error(`GET /api/users/${account.subject} answered ${existing.status}`);
  return (await existing.json()) as User;
}
