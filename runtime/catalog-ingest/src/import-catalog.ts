import type { CatalogProduct, ProductStore, UpsertOutcome } from '../../shared/products';
import { checkRow, type RawRecord } from './catalog-rows';

export interface RejectedRow {
  readonly line: number;
  readonly reason: string;
}

/** The report object written next to each import, for whoever uploaded the file. */
export interface CatalogReport {
  readonly source: string;
  readonly rowsAccepted: number;
  readonly rowsRejected: RejectedRow[];
}

export interface CatalogImport {
  readonly report: CatalogReport;
  readonly outcomes: Record<UpsertOutcome, number>;
}

/** Rows written per batch: one batched read of their SKUs, then their writes side by side. */
const BATCH_SIZE = 25;
/** A report lists this many rejected rows at most, so a file of garbage yields a readable report. */
const MAX_LISTED_REJECTIONS = 1000;

/**
 * Validates every record and upserts the valid ones by SKU, in batches. Bad rows are reported, never
 * thrown; storage errors are thrown, so the Lambda invocation fails and is retried as a whole (which is
 * safe: an import of rows already stored writes nothing).
 */
export async function importCatalog(
  source: string,
  records: AsyncIterable<RawRecord>,
  products: Pick<ProductStore, 'upsertBySku'>,
): Promise<CatalogImport> {
  const rejected: RejectedRow[] = [];
  let rejectedCount = 0;
  const reject = (line: number, reason: string) => {
    rejectedCount++;
    if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ line, reason });
  };
  const outcomes: Record<UpsertOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
  const firstLineOfSku = new Map<string, number>();
  let batch: CatalogProduct[] = [];
  const flush = async () => {
    for (const outcome of await products.upsertBySku(batch)) outcomes[outcome]++;
    batch = [];
  };

  for await (const record of records) {
    if ('unreadable' in record) {
      reject(record.line, record.unreadable);
      continue;
    }
    const checked = checkRow(record.value);
    if (!checked.ok) {
      reject(record.line, checked.reason);
      continue;
    }
    const earlier = firstLineOfSku.get(checked.row.sku);
    if (earlier !== undefined) {
      reject(record.line, `sku ${checked.row.sku} already appears on line ${earlier}; list each product once per file`);
      continue;
    }
    firstLineOfSku.set(checked.row.sku, record.line);
    batch.push(checked.row);
    if (batch.length >= BATCH_SIZE) await flush();
  }
  if (batch.length > 0) await flush();

  if (rejectedCount > rejected.length) {
    rejected.push({ line: 0, reason: `${rejectedCount - rejected.length} more rejected rows are not listed; fix the ones above and upload again` });
  }
  return { report: { source, rowsAccepted: firstLineOfSku.size, rowsRejected: rejected }, outcomes };
}
