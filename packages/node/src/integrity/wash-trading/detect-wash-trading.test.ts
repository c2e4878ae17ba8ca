import { describe, expect, it } from 'vitest';
import { detectWashTrading } from './detect-wash-trading.js';
import { FlowGraph, type ValueFlow } from './flow-graph.js';

const pay = (from: string, to: string, amount: bigint): ValueFlow => ({
  from,
  to,
  amount,
  kind: 'payment',
  ref: `voucher:${from}:${to}`,
});
const send = (from: string, to: string, amount: bigint): ValueFlow => ({
  from,
  to,
  amount,
  kind: 'transfer',
  ref: `tx:${from}:${to}`,
});

/** An exchange that 30 honest accounts buy from and cash out to: a hub. */
function exchangeFlows(): ValueFlow[] {
  const flows: ValueFlow[] = [];
  for (let i = 0; i < 30; i++) {
    flows.push(send('exchange', `honest-client-${i}`, 1000n), send(`honest-provider-${i}`, 'exchange', 900n));
    flows.push(pay(`honest-client-${i}`, `honest-provider-${i}`, 500n));
    flows.push(pay(`honest-client-${i}`, `honest-provider-${(i + 1) % 30}`, 400n));
  }
  return flows;
}

describe('detectWashTrading', () => {
  it('finds a client whose providers pay it back', () => {
    const flows = [
      ...exchangeFlows(),
      send('exchange', 'wash', 1000n),
      pay('wash', 'sock-1', 600n),
      pay('wash', 'sock-2', 300n),
      pay('wash', 'honest-provider-3', 100n),
      send('sock-1', 'mule', 550n),
      send('mule', 'wash', 500n),
    ];
    const [suspect, ...rest] = detectWashTrading(new FlowGraph(flows));
    expect(rest).toEqual([]);
    expect(suspect).toMatchObject({ client: 'wash', providers: ['sock-1'], spend: 1000n, linkedSpend: 600n });
    expect(suspect!.returned).toBe(500n);
    expect(suspect!.links[0]).toMatchObject({
      kind: 'circular',
      via: ['sock-1', 'mule', 'wash'],
      transfers: ['tx:sock-1:mule', 'tx:mule:wash'],
      payments: ['voucher:wash:sock-1'],
    });
  });

  it('finds a client whose providers share its funder, and no honest account', () => {
    const flows = [
      ...exchangeFlows(),
      send('owner', 'wash', 2000n),
      send('owner', 'sock-1', 10n),
      send('owner', 'sock-2', 10n),
      pay('wash', 'sock-1', 900n),
      pay('wash', 'sock-2', 900n),
      pay('wash', 'honest-provider-0', 200n),
    ];
    const suspects = detectWashTrading(new FlowGraph(flows));
    expect(suspects.map((s) => s.client)).toEqual(['wash']);
    expect(suspects[0]!.share).toBe(0.9);
    expect(suspects[0]!.links.map((l) => l.kind)).toEqual(['common-funder', 'common-funder']);
    expect(suspects[0]!.links[0]!.via).toEqual(['sock-1', 'owner', 'wash']);
  });

  it('ties nobody through a hub, and spares a client that pays linked providers little', () => {
    const flows = [...exchangeFlows(), send('honest-client-1', 'honest-provider-9', 5n)];
    const suspects = detectWashTrading(new FlowGraph(flows));
    // honest-client-1 funded one of its providers directly, but it pays that one nothing.
    expect(suspects).toEqual([]);
    const tied = [...exchangeFlows(), send('honest-client-1', 'honest-provider-1', 5n)];
    // Now 500 of its 900 go to a provider it funded: over half.
    expect(detectWashTrading(new FlowGraph(tied)).map((s) => s.client)).toEqual(['honest-client-1']);
    expect(detectWashTrading(new FlowGraph(tied), { minShare: 0.6 })).toEqual([]);
  });
});
