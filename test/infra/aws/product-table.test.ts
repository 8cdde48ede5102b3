import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ProductTable } from '../../../infra/aws';
import { newStack, SYNTH_TIMEOUT } from './support';

describe('ProductTable', { timeout: SYNTH_TIMEOUT }, () => {
  it('is on-demand with the shared key design, point-in-time recovery, encryption and a time to live, kept when it leaves the stack', () => {
    const stack = newStack();
    new ProductTable(stack, 'Products');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'by-entity',
            KeySchema: [
              { AttributeName: 'entity', KeyType: 'HASH' },
              { AttributeName: 'id', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          {
            Region: 'us-east-1',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: false,
          },
        ],
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('turns on deletion protection and the given removal policy', () => {
    const stack = newStack();
    new ProductTable(stack, 'Products', { deletionProtection: true, removalPolicy: RemovalPolicy.DESTROY });
    const table = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'))[0];
    expect(table?.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    expect(table?.DeletionPolicy).toBe('Delete');
  });
});
