import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatElapsed, progressReporter } from '../scripts/backup-progress';

/** A stream that keeps what is written to it; `isTTY` as a terminal or a pipe. */
function streamOf(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

const ERASE = '\r\x1b[2K';

describe('npm run backup -- --wait progress', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_795_558_500_000 }));
  afterEach(() => vi.useRealTimers());

  it('rewrites one live line on a terminal, the elapsed time moving every second, and ends it with a newline', () => {
    const stream = streamOf(true);
    const progress = progressReporter(stream, 'backup b1', Date.now());

    progress.update('BUILDING');
    vi.advanceTimersByTime(2_000);
    progress.update('BUILDING', 'asking again in 10 s: no answer (connect ECONNREFUSED 127.0.0.1:3000)');
    vi.advanceTimersByTime(1_000);
    progress.update('COMPLETED');
    progress.end();
    vi.advanceTimersByTime(5_000);

    expect(stream.written).toEqual([
      `${ERASE}backup b1: BUILDING (0 s)`,
      `${ERASE}backup b1: BUILDING (1 s)`,
      `${ERASE}backup b1: BUILDING (2 s)`,
      `${ERASE}backup b1: BUILDING (2 s); asking again in 10 s: no answer (connect ECONNREFUSED 127.0.0.1:3000)`,
      `${ERASE}backup b1: BUILDING (3 s); asking again in 10 s: no answer (connect ECONNREFUSED 127.0.0.1:3000)`,
      `${ERASE}backup b1: COMPLETED (3 s)`,
      '\n',
    ]);
  });

  it('writes a line only when what there is to say changes elsewhere (a CI log, a pipe)', () => {
    const stream = streamOf(false);
    const progress = progressReporter(stream, 'backup b1', Date.now());

    for (const seconds of [0, 10, 20]) {
      vi.setSystemTime(1_795_558_500_000 + seconds * 1000);
      progress.update('BUILDING');
    }
    vi.setSystemTime(1_795_558_530_000);
    progress.update('BUILDING', 'asking again in 10 s: the gateway answered 503');
    progress.update('BUILDING', 'asking again in 10 s: the gateway answered 503');
    vi.setSystemTime(1_795_558_625_000);
    progress.update('COMPLETED');
    progress.end();

    expect(stream.written).toEqual([
      'backup b1: BUILDING (0 s)\n',
      'backup b1: BUILDING (30 s); asking again in 10 s: the gateway answered 503\n',
      'backup b1: COMPLETED (2 min 05 s)\n',
    ]);
  });

  it.each([
    [0, '0 s'],
    [59_999, '59 s'],
    [60_000, '1 min 00 s'],
    [3_599_000, '59 min 59 s'],
    [3_600_000, '1 h 00 min'],
    [26 * 3_600_000 + 5 * 60_000, '26 h 05 min'],
  ])('reads %i ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});
