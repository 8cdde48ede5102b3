import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SourceReadError, csvRecords, jsonLines, type RawRecord } from '../../../runtime/catalog-ingest/src/catalog-rows';
import { importCatalog } from '../../../runtime/catalog-ingest/src/import-catalog';
import type { CatalogProduct } from '../../../runtime/shared/products';

const collect = async (records: AsyncIterable<RawRecord>) => {
  const all: RawRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
};

/** A body that delivers some bytes and then fails, as a dropped connection to S3 would. */
const failingBody = (first: string) =>
  new Readable({
    read() {
      if (this.readableLength === 0 && !(this as { sent?: boolean }).sent) {
        (this as { sent?: boolean }).sent = true;
        this.push(first);
      } else {
        this.destroy(new Error('socket hang up'));
      }
    },
  });

describe('csvRecords', () => {
  it('reads rows in any column order, turns whole-number cells into numbers and keeps line numbers', async () => {
    const csv = '\uFEFFname,sku,priceCents,currency,stock,description\nTeapot,T-1,1250,EUR,10,"Porcelain,\n1 l"\n\nCup,T-2,3.5,EUR,x,\n';
    expect(await collect(csvRecords(Readable.from([csv])))).toEqual([
      { line: 3, value: { name: 'Teapot', sku: 'T-1', priceCents: 1250, currency: 'EUR', stock: 10, description: 'Porcelain,\n1 l' } },
      { line: 5, value: { name: 'Cup', sku: 'T-2', priceCents: '3.5', currency: 'EUR', stock: 'x' } },
    ]);
  });

  it('reports a wrong header once, on line 1', async () => {
    expect(await collect(csvRecords(Readable.from(['sku,title,priceCents,currency,stock\nT-1,Teapot,1,EUR,1\n'])))).toEqual([
      { line: 1, unreadable: 'header must name the columns sku,name,description,priceCents,currency,stock; missing name,description; unknown title' },
    ]);
  });

  it('reports a malformed file from the point where it breaks', async () => {
    const records = await collect(csvRecords(Readable.from(['sku,name,description,priceCents,currency,stock\nT-1,Teapot,,1,EUR,1\nT-2,"Cup,,1,EUR,1\n'])));
    expect(records[0]).toEqual({ line: 2, value: expect.objectContaining({ sku: 'T-1' }) });
    expect(records[1]).toMatchObject({ unreadable: expect.stringMatching(/^CSV is malformed from here on: /) });
  });

  it('throws a SourceReadError when the bytes stop coming', async () => {
    await expect(collect(csvRecords(failingBody('sku,name,description,priceCents,currency,stock\nT-1,Teapot,,1,EUR,1\n')))).rejects.toBeInstanceOf(SourceReadError);
  });
});

describe('jsonLines', () => {
  it('parses one object per line, skips blank lines and flags lines that are not JSON', async () => {
    const body = Readable.from([Buffer.from('{"sku":"A"}\n\n{"sku":'), Buffer.from('"B"}\n{oops\n{"sku":"C"}')]);
    expect(await collect(jsonLines(body))).toEqual([
      { line: 1, value: { sku: 'A' } },
      { line: 3, value: { sku: 'B' } },
      { line: 4, unreadable: 'not valid JSON' },
      { line: 5, value: { sku: 'C' } },
    ]);
  });

  it('throws a SourceReadError when the bytes stop coming', async () => {
    await expect(collect(jsonLines(failingBody('{"sku":"A"}\n')))).rejects.toBeInstanceOf(SourceReadError);
  });
});

describe('importCatalog', () => {
  const row = (n: number) => ({ sku: `S-${n}`, name: `Product ${n}`, priceCents: 100 + n, currency: 'EUR', stock: n });
  async function* recordsOf(...records: RawRecord[]) {
    yield* records;
  }

  it('upserts valid rows in batches, rejects invalid and repeated ones, and counts what happened', async () => {
    const batches: CatalogProduct[][] = [];
    const products = {
      upsertBySku: async (rows: readonly CatalogProduct[]) => {
        batches.push([...rows]);
        return rows.map((r) => (r.stock % 2 === 0 ? ('unchanged' as const) : ('created' as const)));
      },
    };
    const valid = Array.from({ length: 30 }, (_, i) => ({ line: i + 2, value: row(i) }));
    const result = await importCatalog(
      's3://bucket/catalog/x.csv',
      recordsOf(...valid, { line: 40, value: { ...row(1) } }, { line: 41, value: { ...row(99), stock: -1 } }, { line: 42, unreadable: 'not valid JSON' }),
      products,
    );
    expect(batches.map((b) => b.length)).toEqual([25, 5]);
    expect(result.report).toEqual({
      source: 's3://bucket/catalog/x.csv',
      rowsAccepted: 30,
      rowsRejected: [
        { line: 40, reason: 'sku S-1 already appears on line 3; list each product once per file' },
        { line: 41, reason: expect.stringMatching(/^stock: /) },
        { line: 42, reason: 'not valid JSON' },
      ],
    });
    expect(result.outcomes).toEqual({ created: 15, updated: 0, unchanged: 15 });
  });

  it('lists at most 1000 rejected rows and says how many more there were', async () => {
    const bad = Array.from({ length: 1200 }, (_, i) => ({ line: i + 1, unreadable: 'not valid JSON' }));
    const { report } = await importCatalog('s3://b/catalog/junk.jsonl', recordsOf(...bad), { upsertBySku: async () => [] });
    expect(report.rowsRejected).toHaveLength(1001);
    expect(report.rowsRejected.at(-1)).toEqual({ line: 0, reason: '200 more rejected rows are not listed; fix the ones above and upload again' });
  });

  it('lets a storage failure escape, so the invocation is retried', async () => {
    const failing = { upsertBySku: async () => Promise.reject(new Error('products table is unavailable, retry later')) };
    await expect(importCatalog('s3://b/catalog/x.csv', recordsOf({ line: 2, value: row(1) }), failing)).rejects.toThrow('unavailable');
  });
});
