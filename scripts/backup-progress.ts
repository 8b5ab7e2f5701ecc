/**
 * What `npm run backup -- … --wait` shows while it waits: the backup's status and the time since the command
 * started. On a terminal one live line, rewritten in place every second; elsewhere (a CI log, a pipe) a line
 * each time what there is to say changes, so that a log holds one line per status.
 */

/** Where progress goes: stderr, whose `isTTY` says whether a person watches it. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** The latest status, and what got in the way of asking for it (`undefined` once it is asked again). */
  update(status: string, trouble?: string): void;
  /** Ends the live line, so that what follows starts on a line of its own. */
  end(): void;
}

/** Erases the terminal's current line and returns to its start. */
const REWRITE_LINE = '\r\x1b[2K';
const TICK_MS = 1_000;

/**
 * An elapsed time as people read it.
 *
 * @example
 * formatElapsed(42_300) // → '42 s'
 * formatElapsed(125_000) // → '2 min 05 s'
 * formatElapsed(3_780_000) // → '1 h 03 min'
 */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const twoDigits = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${twoDigits(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${twoDigits(Math.floor(seconds / 60) % 60)} min`;
}

/**
 * @example
 * const progress = progressReporter(process.stderr, `backup ${backupId}`, Date.now());
 * progress.update('BUILDING'); // "backup 3f2a…br02: BUILDING (0 s)"
 * progress.update('BUILDING', '503 Service Unavailable'); // "backup 3f2a…br02: BUILDING (10 s); not asked: 503 …"
 * progress.end();
 */
export function progressReporter(
  stream: ProgressStream,
  label: string,
  startedAt: number,
  now: () => number = Date.now,
): Progress {
  let status: string | undefined;
  let trouble: string | undefined;
  let lastSaid: string | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const line = () => `${label}: ${status} (${formatElapsed(now() - startedAt)})${trouble ? `; ${trouble}` : ''}`;
  const render = () => stream.write(`${REWRITE_LINE}${line()}`);

  return {
    update(nextStatus, nextTrouble) {
      if (stream.isTTY) {
        status = nextStatus;
        trouble = nextTrouble;
        render();
        // Elapsed time moves on between polls; a person watching should see it move.
        ticker ??= setInterval(render, TICK_MS).unref();
        return;
      }
      const said = `${nextStatus}\n${nextTrouble ?? ''}`;
      if (said === lastSaid) return;
      lastSaid = said;
      status = nextStatus;
      trouble = nextTrouble;
      stream.write(`${line()}\n`);
    },
    end() {
      if (!ticker) return;
      clearInterval(ticker);
      ticker = undefined;
      stream.write('\n');
    },
  };
}
