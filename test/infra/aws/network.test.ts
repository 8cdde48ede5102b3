import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Network } from '../../../infra/aws';
import { newStack, SYNTH_TIMEOUT } from './support';

describe('Network', { timeout: SYNTH_TIMEOUT }, () => {
  it('spans two AZs with public, private and isolated subnets, one NAT by default, and flow logs', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new Network(stack, 'Network');
    const template = Template.fromStack(stack);

    // THEN
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    // S3 and DynamoDB traffic stays off the NAT through the two (free) gateway endpoints.
    const gatewayEndpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }));
    expect(gatewayEndpoints.map((endpoint) => endpoint.Properties.ServiceName)).toEqual(
      ['s3', 'dynamodb'].map((service) => ({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] })),
    );
    const subnetTypes = Object.values(template.findResources('AWS::EC2::Subnet')).map(
      (subnet) => subnet.Properties.Tags.find((tag: { Key: string }) => tag.Key === 'aws-cdk:subnet-type').Value,
    );
    expect(subnetTypes.sort()).toEqual(['Isolated', 'Isolated', 'Private', 'Private', 'Public', 'Public']);
  });

  it('adds a NAT per AZ and interface endpoints for ECR, STS and Secrets Manager when asked', () => {
    const stack = newStack();
    new Network(stack, 'Network', { natGateways: 2, interfaceEndpoints: true });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const interfaceEndpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
    expect(interfaceEndpoints.map((endpoint) => endpoint.Properties.ServiceName)).toEqual(
      ['ecr.api', 'ecr.dkr', 'sts', 'secretsmanager'].map((service) => `com.amazonaws.us-east-1.${service}`),
    );
    for (const { Properties } of interfaceEndpoints) {
      expect(Properties).toMatchObject({
        PrivateDnsEnabled: true,
        SubnetIds: [{ Ref: expect.stringMatching(/^NetworkVpcprivateSubnet1/) }, { Ref: expect.stringMatching(/^NetworkVpcprivateSubnet2/) }],
      });
    }
    // Each endpoint's security group accepts HTTPS from the VPC and nothing else.
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroup')).map(({ Properties }) => Properties.SecurityGroupIngress);
    expect(ingress).toEqual(
      Array(4).fill([{ CidrIp: '10.0.0.0/16', Description: 'HTTPS from inside the VPC', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]),
    );
  });

  it.each([0, 3, 1.5])('rejects %s NAT gateways', (natGateways) => {
    expect(() => new Network(newStack(), 'Net', { natGateways })).toThrow(
      `Network Net: natGateways must be 1 or 2 (one per AZ), got ${natGateways}`,
    );
  });
});
