import { DatasetRegistry } from '@idlegrid/node';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { table } from '../format.js';

export function registerDataCommands(data: Command): void {
  data
    .command('add <dir>')
    .description('register a dataset (docs/datasets.md): checked once, read in place, never uploaded')
    .requiredOption('--name <name>', 'the name federated runs ask for, e.g. digits')
    .action(async (dir: string, options: { name: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      out.step(`checking ${dir}`);
      const added = await (await DatasetRegistry.open(config.dataDir)).add(dir, options.name);
      out.result(
        added,
        () =>
          `${added.name}: ${added.count} records of shape ${added.shape.join('x')}, ${added.labels.length} labels; providers started on ${config.dataDir} list it (never its content)`,
      );
    });

  data
    .command('list')
    .description('the datasets registered in the data directory')
    .action(async (_options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      const datasets = (await DatasetRegistry.open(config.dataDir)).list();
      out.result(datasets, () =>
        datasets.length
          ? table([
              ['NAME', 'RECORDS', 'SHAPE', 'LABELS', 'PATH'],
              ...datasets.map((d) => [
                d.name,
                String(d.count),
                d.shape.join('x'),
                String(d.labels.length),
                d.path,
              ]),
            ])
          : 'no datasets yet: idlegrid data add DIR --name NAME',
      );
    });

  data
    .command('remove <name>')
    .description('stop offering a dataset (its files stay where they are)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      await (await DatasetRegistry.open(config.dataDir)).remove(name);
      out.result({ removed: name }, () => `removed ${name}`);
    });
}
