import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { platformContract } from '../../contracts/platform';
import { acknowledgeFindings, wildcardResourceFinding } from './nag-acknowledgements';

/** What users of the products table need: its name and a least-privilege grant. */
export interface IProductTable {
  readonly tableName: string;
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant;
}

export interface ProductTableProps {
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

/**
 * The product catalogue: on-demand DynamoDB with point-in-time recovery, encryption at rest and a time to live that
 * expires old stock reservations. Its keys are the platform contract's key design, which the products service, the
 * catalog import and the local launcher read as well.
 */
export class ProductTable extends Construct implements IProductTable {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: ProductTableProps = {}) {
    super(scope, id);
    const { partitionKey, entityIndex, timeToLiveAttribute } = platformContract.productsTable;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: entityIndex.name,
          partitionKey: { name: entityIndex.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: entityIndex.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** Lets the grantee read and write items of this table and query its index, and nothing else. */
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    const grant = this.table.grantReadWriteData(grantee);
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      acknowledgeFindings(
        grantee.grantPrincipal,
        [wildcardResourceFinding(this, `${this.table.tableArn}/index/*`)],
        `Queries of this table's own indexes (only '${platformContract.productsTable.entityIndex.name}'), as CDK's table grant writes them.`,
      );
    }
    return grant;
  }
}
