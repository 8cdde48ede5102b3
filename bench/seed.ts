import { randomUUID } from 'node:crypto';
import { requestAccessToken } from '../runtime/local/access-token';

/** A signed-in shopper with a profile. */
export interface Shopper {
  /** The `Authorization` header of their requests: a token valid 15 minutes, longer than a bench run at the default BENCH_SECONDS. */
  readonly authorization: string;
}

export interface Catalog {
  readonly shoppers: readonly Shopper[];
  readonly productIds: readonly string[];
}

async function post(url: string, authorization: string, body: unknown): Promise<{ status: number; answer: { id?: string; error?: { code?: string } } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
  return { status: response.status, answer: (await response.json()) as { id?: string; error?: { code?: string } } };
}

async function created(url: string, authorization: string, body: unknown): Promise<string> {
  const { status, answer } = await post(url, authorization, body);
  if (status !== 201 || typeof answer.id !== 'string') throw new Error(`POST ${url} answered ${status}: ${JSON.stringify(answer)}`);
  return answer.id;
}

/**
 * Shoppers (the identity provider's accounts, each with a profile) and products, created through the
 * gateway's public API by an administrator, with stock enough for every order the bench places. One at
 * a time: seeding is not what is measured.
 */
export async function seedCatalog(
  gatewayUrl: string,
  accounts: { readonly issuer: string; readonly shoppers: readonly string[]; readonly admin: string },
  counts: { products: number },
): Promise<Catalog> {
  const run = randomUUID().slice(0, 8);
  const bearer = async (email: string) => `Bearer ${await requestAccessToken({ issuer: accounts.issuer, email })}`;
  const shoppers: Shopper[] = [];
  for (const [i, email] of accounts.shoppers.entries()) {
    const authorization = await bearer(email);
    const { status, answer } = await post(`${gatewayUrl}/api/users`, authorization, { email: `bench-${run}-${i}@example.com`, name: `Bench shopper ${i}` });
    // The accounts' profiles outlive a run when the platform's database does.
    if (status !== 201 && answer.error?.code !== 'PROFILE_EXISTS') throw new Error(`POST /api/users answered ${status}: ${JSON.stringify(answer)}`);
    shoppers.push({ authorization });
  }
  const admin = await bearer(accounts.admin);
  const productIds: string[] = [];
  for (let i = 0; i < counts.products; i++) {
    productIds.push(
      await created(`${gatewayUrl}/api/products`, admin, {
        name: `Bench product ${i}`,
        description: 'Created by npm run bench',
        priceCents: 100 + i * 37,
        currency: 'EUR',
        stock: 1_000_000,
        sku: `BENCH-${run}-${i}`,
      }),
    );
  }
  return { shoppers, productIds };
}
