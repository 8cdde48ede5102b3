import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Acknowledges each of several cdk-nag findings on a construct and its children, all for the same reason. */
export function acknowledgeFindings(scope: IConstruct, findingIds: readonly string[], reason: string): void {
  for (const id of findingIds) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The id cdk-nag gives a wildcard-resource finding (AwsSolutions-IAM5) for this ARN, spelled the way cdk-nag
 * flattens CloudFormation references, so that one deliberately scoped wildcard can be acknowledged by itself.
 */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resourceArn))}]`;
}

/** The managed policy finding (AwsSolutions-IAM4) for an AWS managed policy name such as `service-role/X`. */
export function managedPolicyFinding(policyName: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`;
}

/**
 * Acknowledges findings on a construct CDK creates once per stack (a singleton Lambda behind a custom resource),
 * which sits at the stack's root rather than under the construct that caused it.
 */
export function acknowledgeOnStackSingleton(scope: IConstruct, singletonId: string, findingIds: readonly string[], reason: string): void {
  const singleton = Stack.of(scope).node.tryFindChild(singletonId);
  if (!singleton) throw new Error(`expected CDK's singleton '${singletonId}' in stack ${Stack.of(scope).stackName}`);
  acknowledgeFindings(singleton, findingIds, reason);
}
