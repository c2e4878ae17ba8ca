import { IdlegridError, isIdlegridError, toWireJson } from '@idlegrid/protocol';

/** How a command speaks: human lines on a terminal, or one JSON document with --json. */
export class Output {
  constructor(readonly json: boolean) {}

  /** A step of long work: shown to humans, silent in JSON mode so stdout stays parseable. */
  step(message: string): void {
    if (!this.json) process.stderr.write(`▸ ${message}\n`);
  }

  result(data: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${toWireJson(data)}\n` : `${human()}\n`);
  }

  /** Prints an error with its stable code; returns the process exit code. */
  error(error: unknown): number {
    const wrapped = isIdlegridError(error)
      ? error
      : new IdlegridError('INTERNAL', error instanceof Error ? error.message : String(error), {
          cause: error,
        });
    if (this.json) process.stdout.write(`${toWireJson({ error: wrapped.toJSON() })}\n`);
    else {
      process.stderr.write(`error ${wrapped.code}: ${wrapped.message}\n`);
      const hint = wrapped.details.hint;
      if (typeof hint === 'string') process.stderr.write(`hint: ${hint}\n`);
      if (wrapped.code === 'INTERNAL' && error instanceof Error && error.stack)
        process.stderr.write(`${error.stack}\n`);
    }
    return 1;
  }
}
