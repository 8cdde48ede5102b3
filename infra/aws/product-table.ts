import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ProductTableProps {
  /**
   * The table's partition key; the products service and the catalog import agree on it.
   * @default { name: 'id', type: STRING }
   */
  readonly partitionKey?: dynamodb.Attribute;
  /**
   * Refuse to delete the table until this is turned off.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The product catalogue: on-demand DynamoDB with point-in-time recovery and encryption at rest. */
export class ProductTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: ProductTableProps = {}) {
    super(scope, id);
    const partitionKey = props.partitionKey ?? { name: 'id', type: dynamodb.AttributeType.STRING };
    if (partitionKey.name.trim() === '') {
      throw new Error(`ProductTable ${id}: partitionKey name must not be empty`);
    }
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }

  grantWriteData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantWriteData(grantee);
  }
}
