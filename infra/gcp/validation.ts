import { Token } from 'cdktf';

/**
 * Checks shared by the GCP constructs. Each throws an Error that names the construct, the prop and the bad
 * value, so a wrong config fails at synth with a message that says what to change.
 */

/**
 * Whether a value is only known when Terraform plans (a data source's attribute, a function of one): checks of its
 * form are left to the plan.
 */
export function isPlanTimeValue(value: unknown): boolean {
  return Token.isUnresolved(value);
}

export function invalid(construct: string, prop: string, value: unknown, expected: string): Error {
  return new Error(`${construct}: ${prop} must be ${expected}, got ${JSON.stringify(value)}`);
}

// GCP resource names: lowercase letter first, then lowercase letters, digits and hyphens, no trailing hyphen.
const GCP_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function assertGcpName(construct: string, prop: string, value: string, maxLength: number): void {
  if (!GCP_NAME.test(value) || value.length > maxLength) {
    throw invalid(construct, prop, value, `a lowercase name of at most ${maxLength} characters ([a-z][-a-z0-9]*)`);
  }
}

export function assertNotBlank(construct: string, prop: string, value: string, expected: string): void {
  if (value.trim() === '') throw invalid(construct, prop, value, expected);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function assertIpv4(construct: string, prop: string, value: string): void {
  if (!IPV4.test(value)) throw invalid(construct, prop, value, 'an IPv4 address');
}

export function assertCidr(construct: string, prop: string, value: string): void {
  const [address, prefix, ...rest] = value.split('/');
  const prefixLength = Number(prefix);
  if (rest.length > 0 || !address || !IPV4.test(address) || !/^\d{1,2}$/.test(prefix ?? '') || prefixLength > 32) {
    throw invalid(construct, prop, value, 'an IPv4 CIDR block such as 10.20.0.0/16');
  }
}

export function assertPositiveInteger(construct: string, prop: string, value: number, minimum = 1): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw invalid(construct, prop, value, `an integer of at least ${minimum}`);
  }
}

function cidrBounds(cidr: string): [number, number] {
  const [address = '', prefix = '32'] = cidr.split('/');
  const start = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(prefix));
  const aligned = start - (start % size);
  return [aligned, aligned + size - 1];
}

/** Whether two valid IPv4 CIDR blocks share any address. */
export function cidrsOverlap(first: string, second: string): boolean {
  const [firstStart, firstEnd] = cidrBounds(first);
  const [secondStart, secondEnd] = cidrBounds(second);
  return firstStart <= secondEnd && secondStart <= firstEnd;
}
