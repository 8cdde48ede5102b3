import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Type } from '@sinclair/typebox';
import type { S3Event } from 'aws-lambda';
import { SpanKind } from '@opentelemetry/api';
import { loadConfig } from '../../shared/config';
import { createDynamoClient, dynamoConfig } from '../../shared/dynamo';
import { createProductStore } from '../../shared/products';
import { createServiceLogger } from '../../shared/server/logger';
import { traceInvocations } from '../../shared/telemetry/lambda';
import { startTracing } from '../../shared/telemetry/tracing';
import { csvRecords, jsonLines, type RawRecord } from './catalog-rows';
import { importCatalog, type CatalogReport } from './import-catalog';

const config = loadConfig(
  Type.Object({
    ...dynamoConfig,
    S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: 'local S3 server; unset in AWS' })),
    LOG_LEVEL: Type.String({ default: 'info' }),
  }),
);
const log = createServiceLogger('catalog-ingest', config.LOG_LEVEL);
const tracing = startTracing({ service: 'catalog-ingest' });

// Created once per Lambda container and reused by every invocation it serves.
// Credentials come from the environment: the Lambda's role in AWS, the launcher's key pair for the local S3 server.
const s3 = new S3Client({
  region: config.AWS_REGION,
  // The local S3 server is addressed by IP, so path-style.
  ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true } : {}),
});
const products = createProductStore({ dynamo: createDynamoClient(config), tableName: config.PRODUCTS_TABLE });

const CATALOG_PREFIX = 'catalog/';
const READERS: Record<string, (body: Readable) => AsyncIterable<RawRecord>> = { '.csv': csvRecords, '.jsonl': jsonLines };

/** `reports/<original key>.report.json`: next to nothing the trigger watches, so a report never triggers an import. */
export const reportKey = (key: string) => `reports/${key}.report.json`;

/** Object keys arrive URL-encoded in S3 events, with `+` for spaces. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

async function importObject(bucket: string, key: string): Promise<void> {
  const source = `s3://${bucket}/${key}`;
  const extension = /\.[^./]+$/.exec(key)?.[0].toLowerCase() ?? '';
  const read = READERS[extension];
  let report: CatalogReport;
  if (!read) {
    report = { source, rowsAccepted: 0, rowsRejected: [{ line: 0, reason: `unsupported file type "${extension}"; upload .csv or .jsonl` }] };
  } else {
    let body: Readable;
    try {
      body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
    } catch (error) {
      // Deleted before we got to it: nothing to import, and a retry would not find it either.
      if ((error as { name?: string }).name === 'NoSuchKey') {
        log.warn({ source }, 'catalog file vanished before import; skipped');
        return;
      }
      throw error;
    }
    const result = await importCatalog(source, read(body), products);
    report = result.report;
    log.info({ source, ...result.outcomes, rowsRejected: report.rowsRejected.length }, 'catalog imported');
  }
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: reportKey(key), Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }),
  );
}

/**
 * S3 object-created handler for catalog files. Bad rows end up in the report; only infrastructure
 * errors throw, so Lambda retries the event and finally sends it to the dead-letter destination.
 */
export const handler = traceInvocations(tracing, 'catalog-ingest import', SpanKind.CONSUMER, async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    const key = decodeKey(record.s3.object.key);
    if (!key.startsWith(CATALOG_PREFIX)) {
      log.warn({ key }, 'object outside catalog/ ignored; check the bucket notification filter');
      continue;
    }
    await importObject(record.s3.bucket.name, key);
  }
});
