import { createInterface } from 'node:readline/promises';
import { IdlegridError } from '@idlegrid/protocol/light';
import { apiKeyName, type ChatMessage, chat, loadApiKey } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { coordinatorUrl } from '../coordinator-url.js';

interface ChatFlags {
  model: string;
  message?: string;
  system?: string;
  maxTokens?: string;
  temperature?: string;
  seed?: string;
  apiKey?: string;
  client: string;
  coordinator?: string;
}

const number = (text: string | undefined, flag: string) => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new IdlegridError('INVALID_ARGUMENT', `${flag} must be a non-negative number, got "${text}"`);
  return value;
};

export function registerChatCommand(command: Command): void {
  command
    .requiredOption('--model <name>', 'a model from GET /v1/models')
    .option('--message <text>', 'ask one question and exit (default: a conversation on stdin)')
    .option('--system <text>', 'a system prompt')
    .option('--max-tokens <n>', 'tokens to generate at most per answer')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)')
    .option('--seed <n>', 'sampling seed, for repeatable answers')
    .option('--api-key <key>', 'an API key (or IDLEGRID_API_KEY; default: the key file <client>-api)')
    .option('--client <name>', 'whose API key file to use', 'client')
    .option('--coordinator <url>', 'coordinator HTTP API (or IDLEGRID_COORDINATOR, or localnet.json)')
    .action(async (flags: ChatFlags, command: Command) => {
      const { config, out } = await contextOf(command);
      const base = {
        coordinatorUrl: await coordinatorUrl(config.dataDir, flags.coordinator),
        apiKey:
          flags.apiKey ??
          process.env.IDLEGRID_API_KEY ??
          (await loadApiKey(config.dataDir, flags.client, apiKeyName(flags.client))),
        model: flags.model,
      };
      const sampling = {
        ...optional('maxTokens', number(flags.maxTokens, '--max-tokens')),
        ...optional('temperature', number(flags.temperature, '--temperature')),
        ...optional('seed', number(flags.seed, '--seed')),
      };
      const history: ChatMessage[] = flags.system ? [{ role: 'system', content: flags.system }] : [];
      const ask = async (content: string) => {
        history.push({ role: 'user', content });
        const streamed = out.json ? {} : { onText: (text: string) => process.stdout.write(text) };
        const answer = await chat({ ...base, ...sampling, messages: history, ...streamed });
        history.push({ role: 'assistant', content: answer.text });
        out.result(answer, () => '');
      };
      if (flags.message !== undefined) return ask(flags.message);
      const lines = createInterface({
        input: process.stdin,
        output: process.stderr,
        terminal: process.stdin.isTTY,
      });
      if (process.stdin.isTTY) process.stderr.write(`chatting with ${flags.model}; Ctrl-D to end\n> `);
      for await (const line of lines) {
        if (line.trim()) await ask(line);
        if (process.stdin.isTTY) process.stderr.write('> ');
      }
    });
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
