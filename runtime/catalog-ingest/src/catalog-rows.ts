import { pipeline, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse } from 'csv-parse';
import { PriceCents, ProductDescription, ProductName, Sku, Stock } from '../../shared/api/products';
import { CurrencyCode } from '../../shared/events/money';

/** One catalog row: the product rules of the public API, with the SKU required because rows are matched by it. */
export const CatalogRow = Type.Object(
  { sku: Sku, name: ProductName, description: Type.Optional(ProductDescription), priceCents: PriceCents, currency: CurrencyCode, stock: Stock },
  { additionalProperties: false },
);
export type CatalogRow = Static<typeof CatalogRow>;
const catalogRow = TypeCompiler.Compile(CatalogRow);

export const CSV_COLUMNS = ['sku', 'name', 'description', 'priceCents', 'currency', 'stock'] as const;

/** What a file yields per line: a value to validate, or why the line could not even be read. */
export type RawRecord = { line: number; value: unknown } | { line: number; unreadable: string };

export type CheckedRow = { ok: true; row: CatalogRow } | { ok: false; reason: string };

export function checkRow(value: unknown): CheckedRow {
  if (catalogRow.Check(value)) return { ok: true, row: value };
  const first = catalogRow.Errors(value).First();
  const field = first?.path.replace(/^\//, '').replaceAll('/', '.') || 'row';
  return { ok: false, reason: `${field}: ${first?.message ?? 'invalid'}` };
}

/**
 * CSV cells are text: whole-number cells of the numeric columns become numbers, an empty description
 * means none; anything else stays text so validation names the bad cell rather than guessing.
 */
function fromCsvCells(cells: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = { ...cells };
  for (const column of ['priceCents', 'stock']) {
    const cell = cells[column];
    if (cell !== undefined && /^-?\d{1,15}$/.test(cell)) row[column] = Number(cell);
  }
  if (cells.description === '') delete row.description;
  return row;
}

/** Thrown when the bytes could not be read from storage (as opposed to bytes that are not a valid file). */
export class SourceReadError extends Error {
  constructor(cause: unknown) {
    super(`reading the catalog file failed: ${(cause as Error).message}`, { cause });
    this.name = 'SourceReadError';
  }
}

/** Rows of a CSV file with the header `sku,name,description,priceCents,currency,stock` (any order); line numbers count the header as 1. */
export async function* csvRecords(body: Readable): AsyncGenerator<RawRecord> {
  let sourceError: unknown;
  let headerProblem: string | undefined;
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    columns: (header: string[]) => {
      const missing = CSV_COLUMNS.filter((column) => !header.includes(column));
      const unknown = header.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
      if (missing.length > 0 || unknown.length > 0) {
        headerProblem = `header must name the columns ${CSV_COLUMNS.join(',')}${missing.length ? `; missing ${missing.join(',')}` : ''}${unknown.length ? `; unknown ${unknown.join(',')}` : ''}`;
        throw new Error(headerProblem);
      }
      return header;
    },
  });
  // A storage read failure destroys the parser too; remembering it tells it apart from a malformed file.
  body.once('error', (error) => (sourceError ??= error));
  pipeline(body, parser, () => undefined);
  try {
    for await (const { record, info } of recordsBeforeAnyError<ParsedRecord>(parser)) {
      yield { line: info.lines, value: fromCsvCells(record) };
    }
  } catch (error) {
    if (sourceError !== undefined) throw new SourceReadError(sourceError);
    if (headerProblem !== undefined) {
      yield { line: 1, unreadable: headerProblem };
      return;
    }
    // A broken file (say, an unclosed quote): everything after this point is unreadable.
    yield { line: parser.info.lines, unreadable: `CSV is malformed from here on: ${(error as Error).message}` };
  }
  if (sourceError !== undefined) throw new SourceReadError(sourceError);
}

type ParsedRecord = { record: Record<string, string>; info: { lines: number } };

/**
 * Every record a stream emitted before it failed, then the failure. (Its async iterator drops records
 * still buffered when the stream is destroyed, which would lose the good rows just before a bad one.)
 */
async function* recordsBeforeAnyError<T>(stream: Readable): AsyncGenerator<T> {
  const queue: T[] = [];
  let failure: { error: unknown } | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => wake?.();
  stream.on('data', (record: T) => {
    queue.push(record);
    if (queue.length >= 100) stream.pause();
    notify();
  });
  stream.once('end', () => ((ended = true), notify()));
  stream.once('error', (error) => ((failure = { error }), notify()));
  for (;;) {
    const next = queue.shift();
    if (next !== undefined) {
      yield next;
      if (queue.length === 0 && stream.isPaused()) stream.resume();
      continue;
    }
    if (failure) throw failure.error;
    if (ended) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** One JSON object per line; blank lines are skipped. */
export async function* jsonLines(body: Readable): AsyncGenerator<RawRecord> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  const parseLine = (text: string): RawRecord | undefined => {
    line++;
    if (text.trim() === '') return undefined;
    try {
      return { line, value: JSON.parse(text) as unknown };
    } catch {
      return { line, unreadable: 'not valid JSON' };
    }
  };
  try {
    for await (const chunk of body) {
      pending += decoder.write(chunk as Buffer);
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const text of lines) {
        const record = parseLine(text);
        if (record) yield record;
      }
    }
  } catch (error) {
    throw new SourceReadError(error);
  }
  const last = parseLine(pending + decoder.end());
  if (last) yield last;
}
