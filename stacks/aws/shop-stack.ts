import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { kafkaGrantsOf, platformContract, type ServiceName } from '../../contracts/platform';
import {
  ApiFirewall,
  CatalogIngest,
  Cluster,
  ClusterMonitoring,
  CrossCloudExports,
  EventStream,
  LogPipeline,
  Microservice,
  MSK_JMX_EXPORTER_PORT,
  MSK_NODE_EXPORTER_PORT,
  Network,
  NodeAutoscaling,
  OrdersDatabase,
  OTLP_HTTP_PORT,
  ProductTable,
  PROMETHEUS_POD_LABELS,
  SchemaMigration,
  ShopMonitoring,
  TraceCollector,
  TRACE_COLLECTOR_NAME,
  UserDirectory,
  WorkloadDelivery,
  WorkloadNetworkPolicies,
} from '../../infra/aws';
import { shopAlertRules, shopDashboards } from '../../infra/observability';
import { crossCloudParameterNames } from '../cross-cloud';
import { assertEnvironmentConfig, type ShopEnvironmentConfig } from './config';

/** Where the deployable code is read from; tests point these at fixtures, deploys use the repository. */
export interface ShopSources {
  /** @default the repository's runtime/ */
  readonly runtimeDirectory?: string;
  /** @default runtime/catalog-ingest/src/handler.ts */
  readonly catalogIngestEntry?: string;
  /** @default runtime/migrate/src/handler.ts */
  readonly migrationHandlerEntry?: string;
  /** @default runtime/shared/sql/migrations */
  readonly migrationsDirectory?: string;
}

export interface ShopStackProps extends StackProps {
  readonly config: ShopEnvironmentConfig;
  /** @default the repository's own sources */
  readonly sources?: ShopSources;
}

/** The AWS half of the shop: wiring only; every resource detail lives in infra/aws. */
export class ShopStack extends Stack {
  /** How this environment's charts reach its cluster; in gitops mode, what `npm run render` writes. */
  readonly delivery: WorkloadDelivery;

  constructor(scope: Construct, id: string, props: ShopStackProps) {
    super(scope, id, props);
    const { config, sources = {} } = props;
    assertEnvironmentConfig(config);
    const stateful = { removalPolicy: config.statefulRemovalPolicy };

    const network = new Network(this, 'Network', {
      ...config.network,
      flowLogRetention: config.logRetention,
      ...stateful,
    });
    const cluster = new Cluster(this, 'Cluster', { vpc: network.vpc, clusterName: `shop-${config.name}`, ...config.cluster });
    new NodeAutoscaling(this, 'NodeAutoscaling', { cluster, ...config.nodeAutoscaling });
    const delivery = new WorkloadDelivery(this, 'Delivery', { cluster, delivery: config.delivery });
    this.delivery = delivery;
    const monitoring = new ClusterMonitoring(this, 'Monitoring', {
      cluster,
      retention: config.observability.prometheusRetention,
      volumeGiB: config.observability.prometheusVolumeGiB,
      alertEmail: config.observability.alertEmail,
    });
    const tracing = new TraceCollector(this, 'TraceCollector', {
      monitoring,
      clientNamespaces: [cluster.namespace],
      replicas: config.observability.traceCollectorReplicas,
    });
    new LogPipeline(this, 'Logs', {
      vpc: network.vpc,
      monitoring,
      logNamespaces: [cluster.namespace],
      ...config.observability.logSearch,
      domainLogRetention: config.logRetention,
      ...stateful,
    });

    const database = new OrdersDatabase(this, 'OrdersDatabase', { vpc: network.vpc, ...config.database });
    new SchemaMigration(this, 'SchemaMigration', {
      database,
      handlerEntry: sources.migrationHandlerEntry,
      migrationsDirectory: sources.migrationsDirectory,
      logRetention: config.logRetention,
    });

    const products = new ProductTable(this, 'ProductTable', {
      deletionProtection: config.products.deletionProtection,
      ...stateful,
    });

    const events = new EventStream(this, 'EventStream', {
      vpc: network.vpc,
      ...config.events,
      brokerLogRetention: config.logRetention,
      ...stateful,
    });
    events.connections.allowDefaultPortFrom(cluster.eksCluster, 'Pods reach the brokers over IAM/TLS');
    events.connections.allowFrom(cluster.eksCluster, ec2.Port.tcpRange(MSK_JMX_EXPORTER_PORT, MSK_NODE_EXPORTER_PORT), 'Prometheus scrapes the JMX and node exporters of the brokers (open monitoring)');
    // What the GCP stack reads at plan time to link its VPC to this one and reach the brokers.
    new CrossCloudExports(this, 'CrossCloud', { network, events, parameterNames: crossCloudParameterNames(config.name) });

    const catalog = new CatalogIngest(this, 'CatalogIngest', {
      table: products,
      handlerEntry: sources.catalogIngestEntry,
      ...config.catalog,
      logRetention: config.logRetention,
      ...stateful,
    });

    const identity = new UserDirectory(this, 'Identity', {
      domainPrefix: config.identity.domainPrefix,
      callbackUrls: config.identity.callbackUrls,
      threatProtection: config.identity.threatProtection,
      ...(config.identity.emailThroughSes
        ? { sesSender: { fromEmail: config.notifications.from, verifiedDomain: config.notifications.senderIdentity } }
        : {}),
      deletionProtection: config.identity.deletionProtection,
      removalPolicy: config.identity.removalPolicy,
    });
    const firewall = new ApiFirewall(this, 'ApiFirewall', {
      name: `shop-${config.name}-api`,
      ...config.firewall,
      logRetention: config.logRetention,
      ...stateful,
    });

    const dataApi = {
      SQL_DRIVER: 'data-api',
      DB_CLUSTER_ARN: database.clusterArn,
      DB_SECRET_ARN: database.secretArn,
      DB_NAME: database.databaseName,
    };
    const kafka = { KAFKA_BROKERS: events.bootstrapBrokers, KAFKA_AUTH: 'aws-iam' };
    const service = (name: ServiceName, environment: Record<string, string>, extra: Partial<ConstructorParameters<typeof Microservice>[2]> = {}) =>
      new Microservice(this, name, {
        cluster,
        delivery,
        serviceName: name,
        port: platformContract.services[name].port,
        scaling: config.scaling[name],
        environment: { OTEL_EXPORTER_OTLP_ENDPOINT: tracing.endpoint, ...environment },
        scrapedByPrometheus: { operatorReady: monitoring.release },
        runtimeDirectory: sources.runtimeDirectory,
        resources: config.serviceResources,
        ...extra,
      });

    const users = service('users', dataApi);
    const productsService = service('products', { PRODUCTS_TABLE: products.tableName });
    const notifications = service('notifications', {
      ...dataApi,
      ...kafka,
      NOTIFY_CHANNEL: 'ses',
      NOTIFY_FROM: config.notifications.from,
      USERS_URL: users.internalUrl,
    });
    const orders = service('orders', {
      ...dataApi,
      ...kafka,
      USERS_URL: users.internalUrl,
      PRODUCTS_URL: productsService.internalUrl,
    });
    const gateway = service(
      'gateway',
      {
        ...kafka,
        USERS_URL: users.internalUrl,
        PRODUCTS_URL: productsService.internalUrl,
        ORDERS_URL: orders.internalUrl,
        NOTIFICATIONS_URL: notifications.internalUrl,
        OIDC_ISSUER: identity.issuer,
        OIDC_AUDIENCE: identity.clientId,
        OIDC_GROUPS_CLAIM: identity.groupsClaim,
        OIDC_ADMIN_GROUP: identity.adminGroupName,
        // The load balancer's nodes have addresses in the VPC; the caller's address is the last one they add.
        TRUSTED_PROXIES: network.cidrBlock,
      },
      {
        publicEndpoint: {
          ...('certificateArn' in config.gatewayEndpoint
            ? { certificate: acm.Certificate.fromCertificateArn(this, 'GatewayCertificate', config.gatewayEndpoint.certificateArn) }
            : { plainHttp: true }),
          webAclArn: firewall.webAclArn,
        },
      },
    );

    // Only the call graph: the load balancer to the gateway, the gateway to every service, orders to users and
    // products (user check, stock reservations), notifications to users (the address to write to).
    const kafkaClients = (Object.keys(platformContract.services) as ServiceName[]).filter((name) => {
      const { produces, consumerGroups } = platformContract.services[name].kafka;
      return produces.length + consumerGroups.length > 0;
    });
    const microservicesByName: Readonly<Record<ServiceName, Microservice>> = { gateway, users, products: productsService, orders, notifications };
    new WorkloadNetworkPolicies(this, 'NetworkPolicies', {
      cluster,
      delivery,
      vpcCidr: network.cidrBlock,
      publicWorkload: gateway,
      calls: [
        { from: gateway, to: users },
        { from: gateway, to: productsService },
        { from: gateway, to: orders },
        { from: gateway, to: notifications },
        { from: orders, to: users },
        { from: orders, to: productsService },
        { from: notifications, to: users },
      ],
      kafkaClients: kafkaClients.map((name) => microservicesByName[name]),
      // Every pod traces to the collector; Prometheus scrapes every service's /metrics on its port.
      telemetry: {
        collector: { namespace: monitoring.namespace, podLabels: { 'app.kubernetes.io/name': TRACE_COLLECTOR_NAME }, otlpPort: OTLP_HTTP_PORT },
        prometheus: { namespace: monitoring.namespace, podLabels: PROMETHEUS_POD_LABELS },
        scraped: Object.values(microservicesByName),
      },
    });

    new ShopMonitoring(this, 'ShopMonitoring', {
      monitoring,
      dashboards: shopDashboards(),
      ruleGroups: shopAlertRules(),
      kafkaBrokers: { bootstrapBrokers: events.bootstrapBrokers, brokerCount: events.brokerCount },
    });

    database.grantDataApiAccess(users);
    database.grantDataApiAccess(orders);
    database.grantDataApiAccess(notifications);
    products.grantReadWriteData(productsService);
    // Kafka: exactly what the platform contract lets each service produce and consume, dead letters included.
    for (const name of Object.keys(microservicesByName) as ServiceName[]) {
      const { writes, reads } = kafkaGrantsOf(platformContract.services[name].kafka);
      for (const topic of writes) events.grantProduce(microservicesByName[name], topic);
      for (const { topic, group } of reads) events.grantConsume(microservicesByName[name], topic, group);
    }
    notifications.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.notifications.senderIdentity })],
      }),
    );

    const apiHost = cluster.eksCluster.getIngressLoadBalancerAddress(gateway.serviceName, { namespace: cluster.namespace });
    new CfnOutput(this, 'ApiUrl', {
      value: `${'certificateArn' in config.gatewayEndpoint ? 'https' : 'http'}://${apiHost}`,
      description: 'Public base URL of the shop API (the gateway); with TLS, point the certificate\'s DNS name at this host',
    });
    new CfnOutput(this, 'OidcIssuer', { value: identity.issuer, description: 'Issuer of the access tokens the gateway accepts' });
    new CfnOutput(this, 'OidcClientId', { value: identity.clientId, description: 'Public app client (code flow with PKCE, no secret)' });
    new CfnOutput(this, 'ClusterName', { value: cluster.eksCluster.clusterName });
    new CfnOutput(this, 'CatalogBucket', { value: catalog.bucket.bucketName, description: 'Upload catalogue files under catalog/' });
    new CfnOutput(this, 'ProductsTable', { value: products.tableName });
    new CfnOutput(this, 'DatabaseClusterArn', { value: database.clusterArn });
    new CfnOutput(this, 'KafkaBootstrapBrokers', { value: events.bootstrapBrokers });
    new CfnOutput(this, 'Topics', { value: events.topicNames.join(',') });
  }
}
