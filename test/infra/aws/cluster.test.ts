import { Template, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../infra/aws';
import { logicalIdOf, manifestsOf, newStack, newVpc, statementsOfRole, SYNTH_TIMEOUT } from './support';

describe('Cluster', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new Cluster(stack, 'Cluster', { vpc: newVpc(stack), minNodes: 2, maxNodes: 3, administratorRoleArns: ['arn:aws:iam::123456789012:role/ops'] });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('runs EKS 1.35 with a private API endpoint and every control-plane log', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Version: '1.35',
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
      Logging: {
        ClusterLogging: {
          EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }],
        },
      },
    });
  });

  it('puts a managed AL2023 node group in the private subnets with the requested bounds', () => {
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_STANDARD',
      InstanceTypes: ['t3.medium'],
      ScalingConfig: { MinSize: 2, MaxSize: 3, DesiredSize: 2 },
      Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('NetworkVpcprivateSubnet1') }]),
    });
  });

  it('installs metrics-server, the load balancer controller and a kubectl handler with the v35 layer', () => {
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'metrics-server' });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-load-balancer-controller' });
    template.hasResourceProperties('AWS::Lambda::LayerVersion', { Description: Match.stringLikeRegexp('kubectl') });
  });

  it('runs the VPC CNI as a managed add-on with its network policy agent on, so NetworkPolicies are enforced', () => {
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'vpc-cni',
      ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }),
      // EKS installed the CNI itself when it made the cluster; the add-on takes it over rather than failing on it.
      ResolveConflicts: 'OVERWRITE',
    });
  });

  it('envelope-encrypts Kubernetes secrets with a customer managed key that rotates, which the cluster role may use', () => {
    const keyId = logicalIdOf(template, 'AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } }, Resources: ['secrets'] }],
    });
    // The cluster role may use this key, and only this key.
    const clusterRoleId = logicalIdOf(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'eks.amazonaws.com' } })] }),
    });
    expect(statementsOfRole(template, clusterRoleId)).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ListGrants'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    ]);
    // Attached before the cluster is created, not only eventually.
    const [policyId] = Object.keys(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: clusterRoleId }] } }));
    const [eksCluster] = Object.values(template.findResources('AWS::EKS::Cluster'));
    expect(eksCluster?.DependsOn).toContain(policyId);
  });

  it('creates the workload namespace under the restricted pod security standard and grants operators admin', () => {
    const [namespace] = manifestsOf(template, 'ClusterEksmanifestNamespace');
    expect(namespace).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::123456789012:role/ops',
      AccessPolicies: [Match.objectLike({ AccessScope: { Type: 'cluster' } })],
    });
  });

  it('validates node bounds and the namespace', () => {
    const vpcStack = newStack();
    const vpc = newVpc(vpcStack);
    expect(() => new Cluster(vpcStack, 'A', { vpc, minNodes: 0 })).toThrow('Cluster A: minNodes must be a positive integer, got 0');
    expect(() => new Cluster(vpcStack, 'B', { vpc, minNodes: 3, maxNodes: 2 })).toThrow(
      'Cluster B: maxNodes (2) must be an integer no smaller than minNodes (3)',
    );
    expect(() => new Cluster(vpcStack, 'C', { vpc, namespace: 'Shop_Prod' })).toThrow(
      "Cluster C: namespace must be an RFC 1123 label, got 'Shop_Prod'",
    );
  });
});
