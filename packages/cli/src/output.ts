import { IdlegridError, isIdlegridError, toWireJson } from '@idlegrid/protocol/light';

/** How a command speaks: human lines on a terminal, or one JSON document with --json. */
export class Output {
  constructor(readonly json: boolean) {}

  /** A step of long work: shown to humans, silent in JSON mode so stdout stays parseable. */
  step(message: string): void {
    if (!this.json) process.stderr.write(`▸ ${message}\n`);
  }

  /** A progress bar on stderr for humans (redrawn on a terminal, one line per update otherwise). */
  progress(done: number, total: number, label: string): void {
    if (this.json) return;
    const width = 24;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`;
    process.stderr.write(
      process.stderr.isTTY ? `\r\x1b[2K${line}${done === total ? '\n' : ''}` : `${line}\n`,
    );
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
