import { readFileSync } from 'node:fs';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import '../../runtime/shared/events/formats';
import { platformContract, platformContractDocument, type KafkaAccessContract } from '../../contracts/platform';
import { contractSchemas } from '../../contracts/schemas';
import { OrderEvent, WindowResult } from '../../runtime/shared/events';

const read = (path: string) => readFileSync(new URL(`../../contracts/${path}`, import.meta.url), 'utf8');

describe('contracts', () => {
  it('committed JSON Schema files match the TypeBox definitions (run `npm run contracts` after a change)', () => {
    for (const [file, schema] of Object.entries(contractSchemas)) {
      expect(JSON.parse(read(`schemas/${file}`)), file).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('committed platform.json matches contracts/platform.ts (run `npm run contracts` after a change)', () => {
    expect(JSON.parse(read('platform.json'))).toEqual(JSON.parse(JSON.stringify(platformContractDocument)));
  });

  it('every service has a port of its own', () => {
    const ports = Object.values(platformContract.services).map((service) => service.port);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('every workload that reads with a dead-letter topic may produce to that topic', () => {
    const workloads: [string, KafkaAccessContract][] = [
      ...Object.entries(platformContract.services).map(([name, service]): [string, KafkaAccessContract] => [name, service.kafka]),
      [platformContract.analyticsJob.name, platformContract.analyticsJob.kafka],
    ];
    const missing = workloads.flatMap(([name, access]) =>
      access.consumerGroups
        .map((key) => platformContract.consumerGroups[key])
        .filter((group) => 'deadLetterTopic' in group && !access.produces.includes(group.deadLetterTopic))
        .map((group) => `${name} reads ${group.topic} but may not produce its dead letters`),
    );
    expect(missing).toEqual([]);
  });

  it('every shared sample order event satisfies the OrderEvent schema', () => {
    const check = TypeCompiler.Compile(OrderEvent);
    const lines = read('samples/order-events.jsonl').trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const event: unknown = JSON.parse(line);
      expect([...check.Errors(event)].map((e) => `${e.path} ${e.message}`), line).toEqual([]);
    }
  });

  it('sample totals equal the sum of their line items', () => {
    for (const line of read('samples/order-events.jsonl').trim().split('\n')) {
      const { payload } = JSON.parse(line) as OrderEvent;
      expect(payload.totalCents).toBe(payload.items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0));
    }
  });

  it('the expected analytics windows satisfy the WindowResult schema', () => {
    const check = TypeCompiler.Compile(WindowResult);
    for (const window of JSON.parse(read('samples/expected-windows-1m.json')) as unknown[]) {
      expect([...check.Errors(window)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    }
  });

  it('rejects an event with a float amount or an unknown type', () => {
    const check = TypeCompiler.Compile(OrderEvent);
    const valid = JSON.parse(read('samples/order-events.jsonl').split('\n')[0]!) as OrderEvent;
    expect(check.Check(valid)).toBe(true);
    expect(check.Check({ ...valid, payload: { ...valid.payload, totalCents: 55.5 } })).toBe(false);
    expect(check.Check({ ...valid, type: 'OrderShipped' })).toBe(false);
    expect(check.Check({ ...valid, eventId: 'not-a-uuid' })).toBe(false);
  });
});
