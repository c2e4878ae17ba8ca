import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_FORMAT } from '@idlegrid/node';
import { filesHolding } from '@idlegrid/node/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { startNet, waitFor } from './localnet-harness.js';

describe('local datasets on a network of processes', () => {
  it('offers list a dataset by name, count and shape; none of its bytes reach the coordinator or the logs', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'idlegrid-dataset-'));
    const marker = `marker-record-${crypto.randomUUID()}`;
    const dir = join(outside, 'digits');
    await mkdir(dir);
    const labels = ['zero', 'one', marker];
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({ format: DATASET_FORMAT, count: 3, shape: [2, 2], labels }),
    );
    const records = labels.map((y, i) => JSON.stringify({ x: [i, i + 0.25, i + 0.5, i + 0.75], y }));
    await writeFile(join(dir, 'records.jsonl'), `${records.join('\n')}\n`);
    const net = await startNet(2, [], async (dataDir) => {
      const added = await runCli(['--data-dir', dataDir, '--json', 'data', 'add', dir, '--name', 'digits']);
      expect(added.json).toMatchObject({ name: 'digits', count: 3, shape: [2, 2] });
    });
    try {
      const listing = 'digits:3:2x2';
      await waitFor(
        async () => {
          const { providers } = (await (await fetch(`${net.coordinatorUrl}/v1/providers`)).json()) as {
            providers: { offer: { datasets: string[] } }[];
          };
          return providers.length === 2 && providers.every((p) => p.offer.datasets.includes(listing));
        },
        20_000,
        'both offers to list the dataset',
      );
      const listed = await runCli(['--data-dir', net.dataDir, '--json', 'data', 'list']);
      expect(listed.json).toEqual([expect.objectContaining({ name: 'digits', count: 3, path: dir })]);
      // Its records stay in its own directory: no file of the network holds one.
      const features = records.map((line) => JSON.stringify((JSON.parse(line) as { x: number[] }).x));
      expect(await filesHolding(net.dataDir, [...records, ...features])).toEqual([]);
      // Removed, it leaves the offers.
      await runCli(['--data-dir', net.dataDir, 'data', 'remove', 'digits']);
      await waitFor(
        async () => {
          const { providers } = (await (await fetch(`${net.coordinatorUrl}/v1/providers`)).json()) as {
            providers: { offer: { datasets: string[] } }[];
          };
          return providers.every((p) => p.offer.datasets.length === 0);
        },
        20_000,
        'the offers to drop the dataset',
      );
    } finally {
      await net.stop();
      await rm(outside, { recursive: true, force: true });
    }
  }, 120_000);
});
