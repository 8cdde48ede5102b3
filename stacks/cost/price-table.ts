/**
 * List prices of everything the two synths create, in the regions the stacks deploy to. Taken on 2026-12-06 from
 * the author's knowledge of the public price pages (aws.amazon.com/<service>/pricing, cloud.google.com/<product>/pricing),
 * not fetched: nothing on the build machine can reach them. On-demand, no Savings Plans, committed-use or
 * sustained-use discounts, and no free tier except where it is part of a price's structure (Cognito's included
 * MAUs). Check them in the AWS Pricing Calculator and the Google Cloud Pricing Calculator before a budget rests on them.
 */
export const PRICES_TAKEN_ON = '2026-12-06';
export const PRICE_SOURCE =
  "AWS and Google Cloud public price pages, from the author's knowledge (not fetched; no network on the build machine)";

export interface Ec2InstancePrice {
  readonly vcpu: number;
  readonly hourly: number;
}

/** Hourly price of one Compute Engine vCPU and one GiB of memory for a machine family. */
export interface GceFamilyPrice {
  readonly vcpuHourly: number;
  readonly memoryGiBHourly: number;
}

export const AWS_PRICES = {
  region: 'us-east-1',
  eks: { clusterHourly: 0.1 },
  /** Linux on-demand. */
  ec2: {
    't3.small': { vcpu: 2, hourly: 0.0208 },
    't3.medium': { vcpu: 2, hourly: 0.0416 },
    't3.large': { vcpu: 2, hourly: 0.0832 },
    't3.xlarge': { vcpu: 4, hourly: 0.1664 },
    't3a.medium': { vcpu: 2, hourly: 0.0376 },
    't3a.large': { vcpu: 2, hourly: 0.0752 },
    't4g.medium': { vcpu: 2, hourly: 0.0336 },
    't4g.large': { vcpu: 2, hourly: 0.0672 },
    'm5.large': { vcpu: 2, hourly: 0.096 },
    'm5.xlarge': { vcpu: 4, hourly: 0.192 },
    'm6a.large': { vcpu: 2, hourly: 0.0864 },
    'm6a.xlarge': { vcpu: 4, hourly: 0.1728 },
    'm6g.large': { vcpu: 2, hourly: 0.077 },
    'm6i.large': { vcpu: 2, hourly: 0.096 },
    'm6i.xlarge': { vcpu: 4, hourly: 0.192 },
    'm6i.2xlarge': { vcpu: 8, hourly: 0.384 },
    'm7g.large': { vcpu: 2, hourly: 0.0816 },
    'm7i.large': { vcpu: 2, hourly: 0.1008 },
    'm7i.xlarge': { vcpu: 4, hourly: 0.2016 },
    'c6a.large': { vcpu: 2, hourly: 0.0765 },
    'c6a.xlarge': { vcpu: 4, hourly: 0.153 },
    'c6i.large': { vcpu: 2, hourly: 0.085 },
    'c6i.xlarge': { vcpu: 4, hourly: 0.17 },
    'c7i.large': { vcpu: 2, hourly: 0.08925 },
    'r6i.large': { vcpu: 2, hourly: 0.126 },
  } satisfies Record<string, Ec2InstancePrice>,
  ebs: { gp3GiBMonth: 0.08, gp2GiBMonth: 0.1 },
  vpc: {
    natGatewayHourly: 0.045,
    natProcessedGiB: 0.045,
    publicIpv4Hourly: 0.005,
    interfaceEndpointAzHourly: 0.01,
    interfaceEndpointProcessedGiB: 0.01,
  },
  elb: { albHourly: 0.0225, albLcuHourly: 0.008, nlbHourly: 0.0225, nlbLcuHourly: 0.006 },
  aurora: {
    /** Aurora Standard; I/O-Optimized (`aurora-iopt1`) trades the I/O charge for higher ACU and storage prices. */
    standard: { acuHourly: 0.12, storageGiBMonth: 0.1, ioMillion: 0.2 },
    ioOptimized: { acuHourly: 0.156, storageGiBMonth: 0.225, ioMillion: 0 },
    dataApiMillion: 0.35,
  },
  dynamodb: {
    writeRequestMillion: 0.625,
    readRequestMillion: 0.125,
    storageGiBMonth: 0.25,
    pointInTimeRecoveryGiBMonth: 0.2,
  },
  msk: {
    brokerHourly: {
      'kafka.t3.small': 0.0456,
      'kafka.m5.large': 0.21,
      'kafka.m5.xlarge': 0.42,
      'kafka.m7g.large': 0.204,
      'kafka.m7g.xlarge': 0.408,
    } as Readonly<Record<string, number>>,
    storageGiBMonth: 0.1,
    serverless: { clusterHourly: 0.75, partitionHourly: 0.0015, dataInGiB: 0.1, dataOutGiB: 0.05 },
  },
  s3: { standardGiBMonth: 0.023, putThousand: 0.005, getThousand: 0.0004 },
  lambda: { requestMillion: 0.2, x86GiBSecond: 0.0000166667, arm64GiBSecond: 0.0000133334 },
  /** Per monthly active user beyond the tier's included ones; Plus includes none. */
  cognito: {
    LITE: { mau: 0.0055, includedMau: 10_000 },
    ESSENTIALS: { mau: 0.015, includedMau: 10_000 },
    PLUS: { mau: 0.02, includedMau: 0 },
  } as Readonly<Record<string, { mau: number; includedMau: number }>>,
  waf: { webAclMonth: 5, ruleMonth: 1, requestMillion: 0.6 },
  cloudwatch: { logsIngestedGiB: 0.5, logsStoredGiBMonth: 0.03, alarmMonth: 0.1 },
  kms: { keyMonth: 1 },
  secretsManager: { secretMonth: 0.4, apiCallTenThousand: 0.05 },
  sqs: { requestMillion: 0.4 },
  ssm: { advancedParameterMonth: 0.05 },
  opensearch: {
    instanceHourly: {
      't3.small.search': 0.036,
      't3.medium.search': 0.073,
      'm6g.large.search': 0.128,
      'm7g.large.search': 0.136,
      'r6g.large.search': 0.167,
      'r7g.large.search': 0.1675,
      'c6g.large.search': 0.113,
    } as Readonly<Record<string, number>>,
    gp3GiBMonth: 0.122,
    gp2GiBMonth: 0.135,
  },
  xray: { tracesRecordedMillion: 5, tracesScannedMillion: 0.5 },
  route53Resolver: { endpointIpHourly: 0.125, queryMillion: 0.4 },
  siteToSiteVpn: { connectionHourly: 0.05 },
  /** To the internet, which is where traffic over a VPN to another cloud is billed. */
  dataTransferOutGiB: 0.09,
} as const;

/** Machine shapes by family: `<family>-<shape>-<vCPUs>` with this many GiB of memory per vCPU. */
export const GCE_MEMORY_GIB_PER_VCPU: Readonly<Record<string, number>> = { standard: 4, highmem: 8, highcpu: 1 };

export const GCP_PRICES = {
  region: 'europe-west1',
  compute: {
    n2: { vcpuHourly: 0.034773, memoryGiBHourly: 0.004661 },
    n2d: { vcpuHourly: 0.030255, memoryGiBHourly: 0.004055 },
    e2: { vcpuHourly: 0.023994, memoryGiBHourly: 0.003215 },
    n1: { vcpuHourly: 0.034806, memoryGiBHourly: 0.004664 },
  } as Readonly<Record<string, GceFamilyPrice>>,
  /** Spot VMs (Dataproc secondary workers) cost about this fraction of on-demand. */
  spotFraction: 0.3,
  dataproc: { vcpuHourly: 0.01 },
  persistentDisk: { 'pd-standard': 0.04, 'pd-balanced': 0.1, 'pd-ssd': 0.17 } as Readonly<Record<string, number>>,
  storage: { STANDARD: 0.02, NEARLINE: 0.01, COLDLINE: 0.004, ARCHIVE: 0.0012 } as Readonly<Record<string, number>>,
  vpn: { tunnelHourly: 0.05 },
  /** Premium-tier egress from Europe to the internet (first TiB), which is how traffic over Cloud VPN is billed. */
  egressGiB: 0.12,
  dns: { managedZoneMonth: 0.2, queryMillion: 0.4 },
  /** Alerting: per condition of an alert policy per month, as Google announced it for Cloud Monitoring. */
  monitoring: { alertConditionMonth: 1.5 },
  nat: { vmHourly: 0.0014, processedGiB: 0.045 },
  staticExternalIpHourly: 0.005,
} as const;

/** Hours in the month every hourly price is multiplied by (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
