import { ModelRegistry } from '@idlegrid/node';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { table } from '../format.js';

export function registerModelCommands(model: Command): void {
  model
    .command('add <file>')
    .description('serve a GGUF (llm) or ONNX model: hashed once, read in place, listed in every offer')
    .requiredOption('--name <name>', 'the name clients ask for, e.g. qwen2.5-0.5b-instruct')
    .action(async (file: string, options: { name: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      out.step(`hashing ${file}`);
      const added = await (await ModelRegistry.open(config.dataDir)).add(file, options.name);
      out.result(
        added,
        () =>
          `${added.name}: ${added.runtime} model ${added.cid} (${(added.bytes / 2 ** 20).toFixed(1)} MiB); providers started on ${config.dataDir} serve it`,
      );
    });

  model
    .command('list')
    .description('the models registered in the data directory')
    .action(async (_options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      const models = (await ModelRegistry.open(config.dataDir)).list();
      out.result(models, () =>
        models.length
          ? table(models.map((m) => [m.name, m.runtime, m.cid, m.path]))
          : 'no models yet: idlegrid model add FILE --name NAME',
      );
    });

  model
    .command('remove <name>')
    .description('stop serving a model (the file stays where it is)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      await (await ModelRegistry.open(config.dataDir)).remove(name);
      out.result({ removed: name }, () => `removed ${name}`);
    });
}
