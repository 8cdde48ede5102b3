import { randomUUID } from 'node:crypto';

export interface Catalog {
  readonly userIds: readonly string[];
  readonly productIds: readonly string[];
}

async function create(url: string, body: unknown): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json()) as { id?: string };
  if (response.status !== 201 || typeof answer.id !== 'string') throw new Error(`POST ${url} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer.id;
}

/**
 * Users and products through the gateway's public API, with stock enough for every order the bench
 * places. One at a time: seeding is not what is measured.
 */
export async function seedCatalog(gatewayUrl: string, counts: { users: number; products: number }): Promise<Catalog> {
  const run = randomUUID().slice(0, 8);
  const userIds: string[] = [];
  for (let i = 0; i < counts.users; i++) {
    userIds.push(await create(`${gatewayUrl}/api/users`, { email: `bench-${run}-${i}@example.com`, name: `Bench user ${i}` }));
  }
  const productIds: string[] = [];
  for (let i = 0; i < counts.products; i++) {
    productIds.push(
      await create(`${gatewayUrl}/api/products`, {
        name: `Bench product ${i}`,
        description: 'Created by npm run bench',
        priceCents: 100 + i * 37,
        currency: 'EUR',
        stock: 1_000_000,
        sku: `BENCH-${run}-${i}`,
      }),
    );
  }
  return { userIds, productIds };
}
