import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { type CheckovAcknowledgement, type CheckovSkip, checkovSkips } from '../checkov-acknowledgement';
import { stackSingleton } from './nag-acknowledgements';

export type { CheckovAcknowledgement } from '../checkov-acknowledgement';

/**
 * Acknowledges checkov findings on one CloudFormation resource: the construct itself when it is a CfnResource,
 * otherwise its default child (`lambda.Function` → its `AWS::Lambda::Function`). They are written to the resource's
 * `Metadata.checkov.skip`, which checkov reads natively, so the acknowledgement and its reason travel with the template.
 * The policy gate (test/policy) fails on any finding that is neither fixed nor acknowledged.
 */
export function acknowledgeCheckov(construct: IConstruct, acknowledgements: readonly CheckovAcknowledgement[]): void {
  const resource = cfnResourceOf(construct);
  const existing = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: checkovSkips(resource.node.path, existing, acknowledgements) });
}

/** Acknowledges findings on a resource CDK creates once per stack at the stack's root (see `stackSingleton`). */
export function acknowledgeCheckovOnStackSingleton(scope: IConstruct, singletonPath: string, acknowledgements: readonly CheckovAcknowledgement[]): void {
  acknowledgeCheckov(stackSingleton(scope, singletonPath), acknowledgements);
}

/**
 * Annotations that make checkov skip these checks on a Kubernetes object (`checkov.io/skip1: CKV_K8S_43=reason`), for
 * the object's `metadata.annotations`. checkov splits the value at '=', so a reason may not contain one.
 */
export function checkovSkipAnnotations(objectName: string, acknowledgements: readonly CheckovAcknowledgement[]): Record<string, string> {
  const skips = checkovSkips(objectName, [], acknowledgements);
  return Object.fromEntries(
    skips.map(({ id, comment }, index) => {
      if (comment.includes('=')) throw new Error(`checkovSkipAnnotations on ${objectName}: the reason for ${id} may not contain '='`);
      return [`checkov.io/skip${index + 1}`, `${id}=${comment}`];
    }),
  );
}

function cfnResourceOf(construct: IConstruct): CfnResource {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`acknowledgeCheckov: ${construct.node.path} is not a CloudFormation resource and has no default child that is one`);
  }
  return resource;
}

/**
 * A Lambda that only CloudFormation calls, during a deployment (the handler of a custom resource, or its provider
 * framework): it runs once per resource change, and its failure fails the deployment.
 */
export const DEPLOY_TIME_HANDLER: readonly CheckovAcknowledgement[] = [
  {
    id: 'CKV_AWS_115',
    reason: 'Runs only while CloudFormation deploys the stack, once per custom resource change; reserved concurrency would take capacity from the account and limit nothing.',
  },
  {
    id: 'CKV_AWS_116',
    reason: 'Called for a custom resource during a deployment: a failure fails the deployment, which is the alert; a dead-letter queue would keep an event nobody replays.',
  },
];

/** A Lambda that talks only to AWS APIs (HTTPS, signed with its role), so a VPC would add ENIs and NAT traffic and protect nothing. */
export const OUTSIDE_VPC: CheckovAcknowledgement = {
  id: 'CKV_AWS_117',
  reason: 'Calls only AWS service APIs over HTTPS with its own role; nothing it talks to lives in the VPC.',
};

/** A log group encrypted by CloudWatch Logs' own keys: what the shop logs holds no tokens, secrets or emails. */
export const LOG_GROUP_WITHOUT_CMK: CheckovAcknowledgement = {
  id: 'CKV_AWS_158',
  reason: 'CloudWatch Logs encrypts it at rest with its own keys; it holds no secrets, tokens or emails, and IAM on the log group decides who reads it.',
};
