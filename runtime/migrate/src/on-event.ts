import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { MigrationReport } from '../../shared/sql/run-migrations';
import type { SqlClient } from '../../shared/sql/sql-client';

/** Where the migrations go, as the SchemaMigration construct passes it in the resource properties. */
export interface MigrationTarget {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
}

export interface SchemaMigrationDependencies {
  readonly connect: (target: MigrationTarget) => SqlClient;
  readonly migrate: (sql: SqlClient) => Promise<MigrationReport>;
  readonly log?: (message: string) => void;
}

/** What the CDK Provider framework reads back from `onEvent`. */
export interface SchemaMigrationResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

function targetOf(properties: Record<string, unknown>): MigrationTarget {
  const { ClusterArn, SecretArn, Database } = properties;
  if (typeof ClusterArn !== 'string' || typeof SecretArn !== 'string' || typeof Database !== 'string') {
    throw new Error('SchemaMigration: ClusterArn, SecretArn and Database are required resource properties');
  }
  return { clusterArn: ClusterArn, secretArn: SecretArn, database: Database };
}

/**
 * The custom resource's `onEvent`: Create and Update apply the migrations the database has not seen (running them
 * again is a no-op); Delete leaves the schema, which outlives any one deploy of this resource.
 */
export function createSchemaMigrationHandler(deps: SchemaMigrationDependencies) {
  const log = deps.log ?? ((message: string) => console.log(message));
  return async function onEvent(event: CloudFormationCustomResourceEvent): Promise<SchemaMigrationResponse> {
    if (event.RequestType === 'Delete') {
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const target = targetOf(event.ResourceProperties);
    const sql = deps.connect(target);
    try {
      const report = await deps.migrate(sql);
      log(`schema migrations on ${target.database}: applied [${report.applied.join(', ')}], already applied [${report.alreadyApplied.join(', ')}]`);
      return {
        // One physical resource per cluster and database: a new target is a new resource, an update is the same one.
        PhysicalResourceId: `${target.clusterArn}/${target.database}`,
        Data: { Applied: report.applied.join(',') },
      };
    } finally {
      await sql.close();
    }
  };
}
