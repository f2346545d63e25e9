import { describe, expect, it } from 'vitest';
import { LAB_MAX_NODES, LAB_NODES_PER_SUBNET, labNodes, labSubnets, nodeIp } from '../../src/lab/layout.js';

describe('lab layout: labs larger than one /24', () => {
  it('keeps the first 240 nodes on the given subnet, .11 … .250', () => {
    expect(nodeIp(1, 100)).toBe('127.0.100.11');
    expect(nodeIp(LAB_NODES_PER_SUBNET, 100)).toBe('127.0.100.250');
  });
  it('continues on the next subnets from .11 again', () => {
    expect(nodeIp(241, 100)).toBe('127.0.101.11');
    expect(nodeIp(1000, 100)).toBe('127.0.104.50');
    expect(labSubnets(1000)).toBe(5);
    expect(labSubnets(240)).toBe(1);
    expect(labSubnets(241)).toBe(2);
  });
  it('gives 1,000 nodes 1,000 distinct addresses and names', () => {
    const nodes = labNodes(1000, 100);
    expect(new Set(nodes.map((n) => n.ip)).size).toBe(1000);
    expect(new Set(nodes.map((n) => n.name)).size).toBe(1000);
  });
  it('refuses a lab that would run past 127.0.255.x or past the maximum', () => {
    expect(() => nodeIp(241, 255)).toThrow(RangeError);
    expect(() => labNodes(LAB_MAX_NODES + 1)).toThrow(RangeError);
    expect(() => nodeIp(0)).toThrow(RangeError);
  });
});
