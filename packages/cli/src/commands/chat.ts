import { createInterface } from 'node:readline/promises';
import { IdlegridError } from '@idlegrid/protocol/light';
import { apiKeyName, type ChatMessage, chat, loadApiKey } from '@idlegrid/sdk';
import { privateChat } from '@idlegrid/sdk/privacy';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { COORDINATOR_HELP, collectUrls, coordinatorUrl } from '../coordinator-url.js';
import { ownerContext } from '../owner-context.js';
import { pay } from './job.js';

interface ChatFlags {
  model: string;
  message?: string;
  system?: string;
  maxTokens?: string;
  temperature?: string;
  seed?: string;
  apiKey?: string;
  client: string;
  coordinator?: string[];
  private?: boolean;
  verify?: string;
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
    .option('--client <name>', 'whose API key file (with --private: whose wallet) to use', 'client')
    .option(
      '--private',
      'seal the conversation: each answer is a private job, read only by the provider that answers (and one that checks it), paid from the wallet',
    )
    .option('--verify <policy>', 'with --private: sample:P re-scores that share of answers')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .action(async (flags: ChatFlags, command: Command) => {
      const { config, out } = await contextOf(command);
      const sampling = {
        ...optional('maxTokens', number(flags.maxTokens, '--max-tokens')),
        ...optional('temperature', number(flags.temperature, '--temperature')),
        ...optional('seed', number(flags.seed, '--seed')),
      };
      const answerOf = flags.private
        ? await privateAnswers(command, flags, sampling)
        : await networkAnswers(config.dataDir, flags, sampling, out.json);
      const history: ChatMessage[] = flags.system ? [{ role: 'system', content: flags.system }] : [];
      const ask = async (content: string) => {
        history.push({ role: 'user', content });
        const answer = await answerOf(history);
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

type Sampling = Partial<Record<'maxTokens' | 'temperature' | 'seed', number>>;
type AnswerOf = (history: readonly ChatMessage[]) => Promise<{ text: string }>;

/** Answers through the OpenAI-compatible API, paid by API key; the text streams as it comes. */
async function networkAnswers(
  dataDir: string,
  flags: ChatFlags,
  sampling: Sampling,
  json: boolean,
): Promise<AnswerOf> {
  const base = {
    coordinatorUrl: await coordinatorUrl(dataDir, flags.coordinator),
    apiKey:
      flags.apiKey ??
      process.env.IDLEGRID_API_KEY ??
      (await loadApiKey(dataDir, flags.client, apiKeyName(flags.client))),
    model: flags.model,
  };
  const streamed = json ? {} : { onText: (text: string) => process.stdout.write(text) };
  return (messages) => chat({ ...base, ...sampling, messages: [...messages], ...streamed });
}

/** Answers as private jobs (privateChat), each paid from the wallet once accepted. */
async function privateAnswers(command: Command, flags: ChatFlags, sampling: Sampling): Promise<AnswerOf> {
  const { ctx, key, out } = await ownerContext(command, flags.client);
  return async (messages) => {
    const { job, answer } = await privateChat(
      ctx,
      {
        model: flags.model,
        messages: [...messages],
        ...sampling,
        ...(flags.verify === undefined ? {} : { verification: flags.verify }),
      },
      key,
    );
    const paid = await pay(ctx, out, job);
    if (!out.json) process.stdout.write(answer.text);
    return { ...answer, jobId: paid.job.id, ...paid.payment };
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
