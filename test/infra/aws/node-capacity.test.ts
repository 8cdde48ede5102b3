import { describe, expect, it } from 'vitest';
import { allocatableOf, karpenterNodeShape, managedNodeShape, PLATFORM_ADD_ONS } from '../../../infra/aws';
import { capacityAtMaximum } from '../../../stacks/aws/capacity';
import { dev, prod, type ShopEnvironmentConfig } from '../../../stacks/aws/config';

describe('node allocatable', () => {
  it('takes EKS kube-reserved, the eviction threshold and the VM overhead from a node', () => {
    // EKS reserves 70m and 11 x 29 + 255 = 574 MiB on a two-vCPU node that holds 29 pods (m6i.large).
    expect(allocatableOf(managedNodeShape('m6i.large'))).toEqual({ cpuMillicores: 1930, memoryMiB: Math.floor(8192 * 0.925) - 574 - 100 });
    // Four cores: 60 + 10 + 5 + 5 millicores; 58 pods.
    expect(allocatableOf(karpenterNodeShape('m', 4))).toEqual({ cpuMillicores: 3920, memoryMiB: Math.floor(16384 * 0.925) - (11 * 58 + 255) - 100 });
  });

  it('knows no shape it was not told about', () => {
    expect(() => managedNodeShape('x1e.32xlarge')).toThrow('node capacity: no shape known for x1e.32xlarge; add it to MANAGED_NODE_SHAPES');
  });
});

describe.each([dev, prod])('capacity of $name with every HPA at its maximum', (config) => {
  const report = capacityAtMaximum(config);

  it('fits the services and every platform add-on into the node group and the NodePool at its limits', () => {
    expect(report.requested.cpuMillicores).toBeLessThanOrEqual(report.available.cpuMillicores);
    expect(report.requested.memoryMiB).toBeLessThanOrEqual(report.available.memoryMiB);
  });

  it('places the largest single pod on the smallest node the NodePool launches', () => {
    expect(report.largestPod.cpuMillicores).toBeLessThanOrEqual(report.smallestNode.cpuMillicores);
    expect(report.largestPod.memoryMiB).toBeLessThanOrEqual(report.smallestNode.memoryMiB);
  });

  it('counts the services at their maximum replicas and each platform component once', () => {
    // gateway 10 + orders 8 (HPA maxima) + users 2 + products 2 + notifications 1, at 250m and 256 MiB each
    const services = { cpuMillicores: 23 * 250, memoryMiB: 23 * 256 };
    const replicated = PLATFORM_ADD_ONS.filter(({ pods }) => pods !== 'per-node') as { pods: number; cpuMillicores: number; memoryMiB: number }[];
    expect(report.requested).toEqual({
      cpuMillicores: services.cpuMillicores + replicated.reduce((sum, addOn) => sum + addOn.pods * addOn.cpuMillicores, 0),
      memoryMiB: services.memoryMiB + replicated.reduce((sum, addOn) => sum + addOn.pods * addOn.memoryMiB, 0),
    });
  });

  it('fails once a maximum is raised past what the limits hold', () => {
    const gateway = config.scaling.gateway;
    if (!('maxReplicas' in gateway)) throw new Error('the gateway autoscales');
    // Enough extra replicas to use up the headroom the report shows, and one more.
    const headroom = report.available.cpuMillicores - report.requested.cpuMillicores;
    const raised: ShopEnvironmentConfig = {
      ...config,
      scaling: { ...config.scaling, gateway: { ...gateway, maxReplicas: gateway.maxReplicas + Math.floor(headroom / config.serviceResources.cpuMillicores) + 1 } },
    };
    const overcommitted = capacityAtMaximum(raised);
    expect(overcommitted.requested.cpuMillicores).toBeGreaterThan(overcommitted.available.cpuMillicores);
  });
});
