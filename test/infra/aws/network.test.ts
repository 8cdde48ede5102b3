import { Match, Template } from 'aws-cdk-lib/assertions';
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

  it.each([0, 3, 1.5])('rejects %s NAT gateways over two AZs', (natGateways) => {
    expect(() => new Network(newStack(), 'Net', { natGateways })).toThrow(
      `Network Net: natGateways must be 1 to 2 (at most one per AZ), got ${natGateways}`,
    );
  });

  it('takes its CIDR and zones from its props: three zones, one NAT per zone, endpoints open to that CIDR', () => {
    const stack = newStack();
    const network = new Network(stack, 'Network', {
      cidr: '10.1.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      natGateways: 3,
      interfaceEndpoints: true,
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.1.0.0/16' });
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    const zones = Object.values(template.findResources('AWS::EC2::Subnet')).map((subnet) => subnet.Properties.AvailabilityZone);
    expect([...new Set(zones)].sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(zones).toHaveLength(9);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.1.0.0/16', FromPort: 443 })],
    });
    expect(network.cidrBlock).toBe('10.1.0.0/16');
  });

  it('rejects a CIDR that is not a private /16 and a single zone', () => {
    expect(() => new Network(newStack(), 'Net', { cidr: '10.1.0.0/20' })).toThrow("Network Net: cidr must be a private /16 such as 10.1.0.0/16, got '10.1.0.0/20'");
    expect(() => new Network(newStack(), 'Net', { availabilityZones: ['us-east-1a'] })).toThrow(
      'Network Net: availabilityZones must name two or three zones, got ["us-east-1a"]',
    );
  });
});
