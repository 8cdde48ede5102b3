import { Template, Match } from 'aws-cdk-lib/assertions';
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
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({}) });
    const gatewayEndpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } });
    expect(Object.keys(gatewayEndpoints)).toHaveLength(2);
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
    const interfaceEndpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    const services = Object.values(interfaceEndpoints).map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName));
    expect(services.join(' ')).toMatch(/ecr\.api/);
    expect(services.join(' ')).toMatch(/ecr\.dkr/);
    expect(services.join(' ')).toMatch(/sts/);
    expect(services.join(' ')).toMatch(/secretsmanager/);
    // Endpoints accept HTTPS from the VPC only.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });

  it.each([0, 3, 1.5])('rejects %s NAT gateways', (natGateways) => {
    expect(() => new Network(newStack(), 'Net', { natGateways })).toThrow(
      `Network Net: natGateways must be 1 or 2 (one per AZ), got ${natGateways}`,
    );
  });
});
