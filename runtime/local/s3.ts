import type { S3Event } from 'aws-lambda';
import S3rver from 's3rver';
import { freePort } from './network';
import { silentProgress, type Progress } from './progress';

/** AWS credentials the launcher gives the services: s3rver's own key pair; the DynamoDB API accepts any. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export const CATALOG_BUCKET = 'shop-catalog';

/** Receives the same S3Event a Lambda function would, e.g. the catalog-ingest handler. */
export type ObjectCreatedHandler = (event: S3Event) => Promise<unknown>;

export interface S3Options {
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  /** @default a free port */
  readonly port?: number;
  /** @default CATALOG_BUCKET */
  readonly bucket?: string;
  /** Called for each object created under `notifyPrefix`, as an S3 event notification would invoke a Lambda. */
  readonly onObjectCreated?: ObjectCreatedHandler;
  /** @default 'catalog/' (docs/runtime-contract.md) */
  readonly notifyPrefix?: string;
  /** Where handler failures are reported; they never stop the server. @default console.error */
  readonly onHandlerError?: (error: unknown, event: S3Event) => void;
  readonly progress?: Progress;
}

export interface S3Handle {
  /** `http://127.0.0.1:PORT`, the value of S3_ENDPOINT (path-style addressing). */
  readonly endpoint: string;
  readonly bucket: string;
  /** Settles when every handler invocation started so far has finished, e.g. before stopping. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** An S3-compatible server (s3rver, in this process) with one bucket whose object-created events invoke a handler. */
export async function startS3(options: S3Options): Promise<S3Handle> {
  const progress = options.progress ?? silentProgress;
  const bucket = options.bucket ?? CATALOG_BUCKET;
  const notifyPrefix = options.notifyPrefix ?? 'catalog/';
  const port = options.port ?? (await freePort());
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: options.directory,
    silent: true,
    // Clients address buckets path-style (forcePathStyle), as they must for an IP address.
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const inFlight = new Set<Promise<unknown>>();
  const { onObjectCreated } = options;
  if (onObjectCreated) {
    const reportError = options.onHandlerError ?? ((error: unknown) => console.error('[s3] object-created handler failed:', error));
    server.on('event', (event: S3Event) => {
      const records = event.Records.filter(
        (record) => record.eventName.startsWith('ObjectCreated:') && record.s3.bucket.name === bucket && record.s3.object.key.startsWith(notifyPrefix),
      ).map((record) => ({ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeKeyAsS3Does(record.s3.object.key) } } }));
      if (records.length === 0) return;
      const invocation = Promise.resolve()
        .then(() => onObjectCreated({ Records: records }))
        .catch((error: unknown) => reportError(error, { Records: records }))
        .finally(() => inFlight.delete(invocation));
      inFlight.add(invocation);
    });
  }
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  progress('s3', `ready at ${endpoint}, bucket ${bucket}`);
  return {
    endpoint,
    bucket,
    idle: async () => {
      await Promise.all([...inFlight]);
    },
    async stop() {
      await server.close();
      await Promise.all([...inFlight]);
    },
  };
}

/**
 * S3 event notifications carry object keys URL-encoded with spaces as '+'; s3rver passes them raw.
 * Encoding them here keeps the handler's decoding the same locally and on AWS.
 */
function encodeKeyAsS3Does(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}
