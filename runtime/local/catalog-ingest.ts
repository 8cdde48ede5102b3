import type { S3Event } from 'aws-lambda';

/**
 * Invokes the catalog-ingest Lambda handler in this process, as S3's notification would on AWS. The
 * module is imported on first use, after the launcher has put the backends' endpoints into
 * process.env, because a Lambda module may read its environment when it loads.
 */
export async function invokeCatalogIngest(event: S3Event): Promise<unknown> {
  const { handler } = await import('../catalog-ingest/src/handler');
  return handler(event);
}
