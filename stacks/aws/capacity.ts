import { platformContract, type ServiceName } from '../../contracts/platform';
import {
  allocatableOf,
  karpenterNodeShape,
  managedNodeShape,
  perNodeRequests,
  PLATFORM_ADD_ONS,
  replicatedRequests,
  totalOf,
  type AddOnRequests,
  type NodeShape,
  type Resources,
} from '../../infra/aws';
import type { ShopEnvironmentConfig } from './config';

/** One environment's node capacity at its limits against what its pods request with every HPA at its maximum. */
export interface CapacityReport {
  /** The services at their maximum replicas plus the replicated add-ons (DaemonSets are charged per node below). */
  readonly requested: Resources;
  /** What pods can request on the managed nodes, after kube-reserved and the DaemonSets on each. */
  readonly systemNodes: Resources;
  /**
   * The least the NodePool offers at its limits, over every node shape it may launch: as many nodes of one shape as
   * the limits allow, each less kube-reserved and the DaemonSets. CPU and memory are each taken at their worst shape.
   */
  readonly nodePool: Resources & { readonly worstCpuShape: string; readonly worstMemoryShape: string };
  readonly available: Resources;
  /** The largest single pod, which must fit on the smallest node the pool launches. */
  readonly largestPod: Resources & { readonly name: string };
  readonly smallestNode: Resources & { readonly shape: string };
}

const usable = (shape: NodeShape, daemonSets: Resources): Resources => {
  const allocatable = allocatableOf(shape);
  return { cpuMillicores: allocatable.cpuMillicores - daemonSets.cpuMillicores, memoryMiB: allocatable.memoryMiB - daemonSets.memoryMiB };
};

/** Adds up the environment's requests at maximum scale and the capacity its node group and NodePool limits give. */
export function capacityAtMaximum(config: ShopEnvironmentConfig, addOns: readonly AddOnRequests[] = PLATFORM_ADD_ONS): CapacityReport {
  const services = Object.keys(platformContract.services) as ServiceName[];
  const replicasAtMaximum = (name: ServiceName) => {
    const scaling = config.scaling[name];
    return 'maxReplicas' in scaling ? scaling.maxReplicas : scaling.replicas;
  };
  const { cpuMillicores, memoryMiB } = config.serviceResources;
  const servicePods = services.reduce((total, name) => total + replicasAtMaximum(name), 0);
  const requested = totalOf([{ cpuMillicores: servicePods * cpuMillicores, memoryMiB: servicePods * memoryMiB }, replicatedRequests(addOns)]);

  const daemonSets = perNodeRequests(addOns);
  const systemNode = usable(managedNodeShape(config.cluster.nodeInstanceType.toString()), daemonSets);
  const systemNodes = { cpuMillicores: systemNode.cpuMillicores * config.cluster.minNodes, memoryMiB: systemNode.memoryMiB * config.cluster.minNodes };

  const { limits, instanceCategories, instanceCpus } = config.nodeAutoscaling;
  const pools = instanceCategories.flatMap((category) =>
    instanceCpus.map((vcpus) => {
      const shape = karpenterNodeShape(category, vcpus);
      const nodes = Math.min(Math.floor(limits.cpu / shape.vcpus), Math.floor((limits.memoryGiB * 1024) / shape.memoryMiB));
      const perNode = usable(shape, daemonSets);
      return { shape, perNode, total: { cpuMillicores: nodes * perNode.cpuMillicores, memoryMiB: nodes * perNode.memoryMiB } };
    }),
  );
  const worst = (resource: keyof Resources) => pools.reduce((least, pool) => (pool.total[resource] < least.total[resource] ? pool : least));
  const worstCpu = worst('cpuMillicores');
  const worstMemory = worst('memoryMiB');
  const nodePool = {
    cpuMillicores: worstCpu.total.cpuMillicores,
    memoryMiB: worstMemory.total.memoryMiB,
    worstCpuShape: worstCpu.shape.instanceType,
    worstMemoryShape: worstMemory.shape.instanceType,
  };

  const pods = [
    { name: 'a service replica', cpuMillicores, memoryMiB },
    ...addOns.filter((addOn) => addOn.pods !== 'per-node').map((addOn) => ({ name: addOn.component, cpuMillicores: addOn.cpuMillicores, memoryMiB: addOn.memoryMiB })),
  ];
  const largestPod = pods.reduce((largest, pod) => (pod.memoryMiB > largest.memoryMiB || (pod.memoryMiB === largest.memoryMiB && pod.cpuMillicores > largest.cpuMillicores) ? pod : largest));
  const smallest = pools.reduce((least, pool) => (pool.perNode.memoryMiB < least.perNode.memoryMiB ? pool : least));

  return {
    requested,
    systemNodes,
    nodePool,
    available: totalOf([systemNodes, nodePool]),
    largestPod,
    smallestNode: { ...smallest.perNode, shape: smallest.shape.instanceType },
  };
}
