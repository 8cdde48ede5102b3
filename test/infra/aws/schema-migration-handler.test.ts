import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createSchemaMigrationHandler, type MigrationTarget } from '../../../runtime/migrate/src/on-event';
import type { SqlClient } from '../../../runtime/shared/sql/sql-client';

const properties = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ClusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:shop',
  SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-abc',
  Database: 'shop',
  MigrationsFingerprint: 'f'.repeat(64),
};
const common = {
  ServiceToken: properties.ServiceToken,
  ResponseURL: 'https://example.invalid/response',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Shop-dev/1',
  RequestId: 'request-1',
  LogicalResourceId: 'SchemaMigration',
  ResourceType: 'Custom::SchemaMigration',
};

function fakeSql() {
  const close = vi.fn(async () => undefined);
  return { client: { close } as unknown as SqlClient, close };
}

function handlerWith(migrate: (sql: SqlClient) => Promise<{ applied: number[]; alreadyApplied: number[] }>) {
  const sql = fakeSql();
  const targets: MigrationTarget[] = [];
  const onEvent = createSchemaMigrationHandler({
    connect: (target) => {
      targets.push(target);
      return sql.client;
    },
    migrate,
    log: () => undefined,
  });
  return { onEvent, targets, sql };
}

describe('schema migration custom resource', () => {
  it('applies the migrations on Create through the database in the resource properties', async () => {
    const migrate = vi.fn(async () => ({ applied: [1, 2], alreadyApplied: [] }));
    const { onEvent, targets, sql } = handlerWith(migrate);
    const event = { ...common, RequestType: 'Create', ResourceProperties: properties } as CloudFormationCustomResourceEvent;

    const response = await onEvent(event);

    expect(targets).toEqual([{ clusterArn: properties.ClusterArn, secretArn: properties.SecretArn, database: 'shop' }]);
    expect(migrate).toHaveBeenCalledWith(sql.client);
    expect(response).toEqual({ PhysicalResourceId: `${properties.ClusterArn}/shop`, Data: { Applied: '1,2' } });
    expect(sql.close).toHaveBeenCalledOnce();
  });

  it('applies them again on Update (a changed fingerprint) and keeps the physical id', async () => {
    const { onEvent } = handlerWith(async () => ({ applied: [3], alreadyApplied: [1, 2] }));
    const event = {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: `${properties.ClusterArn}/shop`,
      ResourceProperties: properties,
      OldResourceProperties: { ...properties, MigrationsFingerprint: '0'.repeat(64) },
    } as CloudFormationCustomResourceEvent;
    await expect(onEvent(event)).resolves.toMatchObject({ PhysicalResourceId: `${properties.ClusterArn}/shop`, Data: { Applied: '3' } });
  });

  it('leaves the schema alone on Delete', async () => {
    const migrate = vi.fn();
    const { onEvent, targets } = handlerWith(migrate);
    const event = { ...common, RequestType: 'Delete', PhysicalResourceId: 'kept', ResourceProperties: properties } as CloudFormationCustomResourceEvent;
    await expect(onEvent(event)).resolves.toEqual({ PhysicalResourceId: 'kept' });
    expect(migrate).not.toHaveBeenCalled();
    expect(targets).toEqual([]);
  });

  it('fails the deploy when a migration fails, and still closes the client', async () => {
    const { onEvent, sql } = handlerWith(async () => {
      throw new Error('syntax error near ALTR');
    });
    const event = { ...common, RequestType: 'Create', ResourceProperties: properties } as CloudFormationCustomResourceEvent;
    await expect(onEvent(event)).rejects.toThrow('syntax error near ALTR');
    expect(sql.close).toHaveBeenCalledOnce();
  });

  it('rejects an event without the database properties', async () => {
    const { onEvent } = handlerWith(async () => ({ applied: [], alreadyApplied: [] }));
    const event = { ...common, RequestType: 'Create', ResourceProperties: { ServiceToken: common.ServiceToken } } as CloudFormationCustomResourceEvent;
    await expect(onEvent(event)).rejects.toThrow('SchemaMigration: ClusterArn, SecretArn and Database are required resource properties');
  });
});
