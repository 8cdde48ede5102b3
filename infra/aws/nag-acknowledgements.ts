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
 * A construct CDK creates once per stack (a singleton Lambda behind a custom resource), which sits at the stack's root
 * rather than under the construct that caused it, found by its path under the stack, e.g.
 * `AWS679f53fac002430cb0da5b7982bd2287` or `AWSCDKCfnUtilsProviderCustomResourceProvider/Handler`.
 */
export function stackSingleton(scope: IConstruct, singletonPath: string): IConstruct {
  const stack = Stack.of(scope);
  let construct: IConstruct | undefined = stack;
  for (const id of singletonPath.split('/')) construct = construct?.node.tryFindChild(id);
  if (!construct) throw new Error(`expected CDK's singleton '${singletonPath}' in stack ${stack.stackName}`);
  return construct;
}

/** Acknowledges findings on a construct CDK creates once per stack (see `stackSingleton`). */
export function acknowledgeOnStackSingleton(scope: IConstruct, singletonPath: string, findingIds: readonly string[], reason: string): void {
  acknowledgeFindings(stackSingleton(scope, singletonPath), findingIds, reason);
}
