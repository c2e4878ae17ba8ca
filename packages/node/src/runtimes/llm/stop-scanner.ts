/**
 * Finds stop strings in text that grows token by token. It is given the whole text decoded so
 * far each time (a token can change how the bytes before it decode) and says what may be shown
 * now: everything except a tail that could still become a stop string, or an unfinished UTF-8
 * character. Once a stop string appears, the text ends just before it.
 */
export class StopScanner {
  #text = '';
  #emitted = 0;
  #stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** The answer so far: up to the stop string once one appeared. */
  get text(): string {
    return this.#text;
  }

  push(decoded: string): { emit: string; stopped: boolean } {
    if (this.#stopped) return { emit: '', stopped: true };
    let end = decoded.length;
    let stopped = false;
    for (const stop of this.stops) {
      const at = decoded.indexOf(stop, Math.max(0, this.#emitted - stop.length + 1));
      if (at >= 0 && at < end) {
        end = at;
        stopped = true;
      }
    }
    this.#text = decoded.slice(0, end);
    this.#stopped = stopped;
    const safe = stopped ? end : end - this.#heldBack(this.#text);
    if (safe <= this.#emitted) return { emit: '', stopped };
    const emit = this.#text.slice(this.#emitted, safe);
    this.#emitted = safe;
    return { emit, stopped };
  }

  /** What was held back, once no more tokens come. */
  flush(): string {
    const emit = this.#text.slice(this.#emitted);
    this.#emitted = this.#text.length;
    return emit;
  }

  /** Length of the longest tail that is a stop string's prefix, or a half-decoded character. */
  #heldBack(text: string): number {
    let held = text.endsWith('\uFFFD') ? 1 : 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > held; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          held = length;
          break;
        }
      }
    }
    return held;
  }
}
