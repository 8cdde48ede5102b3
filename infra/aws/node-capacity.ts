import type { AddOnRequests } from './platform-add-ons';

/** CPU and memory as the Kubernetes scheduler counts them. */
export interface Resources {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

/** An EC2 instance shape as far as scheduling goes. */
export interface NodeShape {
  readonly instanceType: string;
  readonly vcpus: number;
  /** Nominal memory, as EC2 sells it. */
  readonly memoryMiB: number;
  /** Pods the VPC CNI can address on it (ENIs x (IPs per ENI - 1) + 2), which EKS also sizes kube-reserved by. */
  readonly maxPods: number;
}

/** Memory the hypervisor and firmware keep from the kubelet's view; Karpenter assumes the same (vmMemoryOverheadPercent). */
const VM_MEMORY_OVERHEAD = 0.075;
/** The kubelet's hard eviction threshold on EKS AMIs (memory.available<100Mi). */
const EVICTION_MEMORY_MIB = 100;

/** Memory per vCPU of Karpenter's instance categories (compute, general purpose, memory optimised). */
export const MEMORY_MIB_PER_VCPU: Readonly<Record<string, number>> = { c: 2048, m: 4096, r: 8192 };
/** Max pods of current-generation Nitro sizes by vCPU count (large 3x10 IPs, xlarge and 2xlarge 4x15, 4xlarge 8x30). */
const MAX_PODS_BY_VCPUS: Readonly<Record<number, number>> = { 2: 29, 4: 58, 8: 58, 16: 234 };

/** Shapes of the managed node group's instance types; a type missing here must be added before it can be configured. */
const MANAGED_NODE_SHAPES: Readonly<Record<string, NodeShape>> = Object.fromEntries(
  [
    { instanceType: 't3.medium', vcpus: 2, memoryMiB: 4096, maxPods: 17 },
    { instanceType: 't3.large', vcpus: 2, memoryMiB: 8192, maxPods: 35 },
    { instanceType: 'm6i.large', vcpus: 2, memoryMiB: 8192, maxPods: 29 },
    { instanceType: 'm6i.xlarge', vcpus: 4, memoryMiB: 16384, maxPods: 58 },
  ].map((shape) => [shape.instanceType, shape]),
);

export function managedNodeShape(instanceType: string): NodeShape {
  const shape = MANAGED_NODE_SHAPES[instanceType];
  if (!shape) throw new Error(`node capacity: no shape known for ${instanceType}; add it to MANAGED_NODE_SHAPES`);
  return shape;
}

/** The shape Karpenter launches for an instance category (`c`, `m`, `r`) and vCPU count. */
export function karpenterNodeShape(category: string, vcpus: number): NodeShape {
  const memoryPerVcpu = MEMORY_MIB_PER_VCPU[category];
  const maxPods = MAX_PODS_BY_VCPUS[vcpus];
  if (memoryPerVcpu === undefined || maxPods === undefined) {
    throw new Error(
      `node capacity: no shape known for category '${category}' with ${vcpus} vCPUs; categories ${Object.keys(MEMORY_MIB_PER_VCPU).join(', ')}, vCPUs ${Object.keys(MAX_PODS_BY_VCPUS).join(', ')}`,
    );
  }
  return { instanceType: `${category}.${vcpus}vcpu`, vcpus, memoryMiB: memoryPerVcpu * vcpus, maxPods };
}

/**
 * What pods can request on a node: its capacity less EKS's kube-reserved (CPU: 6% of the first core, 1% of the
 * second, 0.5% of the next two, 0.25% of the rest; memory: 11 MiB per pod it can hold plus 255 MiB), the eviction
 * threshold and the VM's memory overhead.
 */
export function allocatableOf(shape: NodeShape): Resources {
  const cores = shape.vcpus;
  const reservedCpu =
    60 + (cores > 1 ? 10 : 0) + Math.max(0, Math.min(cores, 4) - 2) * 5 + Math.max(0, cores - 4) * 2.5;
  const reservedMemory = 11 * shape.maxPods + 255 + EVICTION_MEMORY_MIB;
  return {
    cpuMillicores: cores * 1000 - reservedCpu,
    memoryMiB: Math.floor(shape.memoryMiB * (1 - VM_MEMORY_OVERHEAD)) - reservedMemory,
  };
}

/** CPU and memory added up over several pods or nodes. */
export function totalOf(items: readonly Resources[]): Resources {
  return {
    cpuMillicores: items.reduce((sum, item) => sum + item.cpuMillicores, 0),
    memoryMiB: items.reduce((sum, item) => sum + item.memoryMiB, 0),
  };
}

/** What the DaemonSets among the components request on every node. */
export function perNodeRequests(components: readonly AddOnRequests[]): Resources {
  return totalOf(components.filter((component) => component.pods === 'per-node'));
}

/** What the replicated components (not DaemonSets) request in all. */
export function replicatedRequests(components: readonly AddOnRequests[]): Resources {
  const replicated = components.filter((component): component is AddOnRequests & { pods: number } => component.pods !== 'per-node');
  return totalOf(replicated.map((component) => ({ cpuMillicores: component.pods * component.cpuMillicores, memoryMiB: component.pods * component.memoryMiB })));
}
