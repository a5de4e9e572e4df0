//! Small words and numbers of the sender's UI: durations as people write them, state tones,
//! what an attempt ended with.
import type { Attempt, EventState } from '../../api/events';

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/**
 * A duration the way a schedule is written: `0`, `750ms`, `5s`, `1.5s`, `2m`, `1h30m`, `2d3h`.
 * At most two units, the larger first; a remainder smaller than the second unit is dropped.
 */
export function formatDuration(ms: number): string {
  const neg = ms < 0;
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0';
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  if (rest < 10_000 && rest % 1000 !== 0) return `${neg ? '-' : ''}${(rest / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const parts: string[] = [];
  for (const [name, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (parts.length === 0) {
      if (n > 0) {
        parts.push(`${n}${name}`);
        rest -= n * size;
      }
    } else {
      // Only the next smaller unit follows: 1h30m, never 1h0m5s.
      if (n > 0) parts.push(`${n}${name}`);
      break;
    }
  }
  return (neg ? '-' : '') + (parts.join('') || '0');
}

/** "in 4s", "in 2m10s", "due now". */
export function countdown(at: number, now: number): string {
  const d = at - now;
  if (d <= 500) return 'due now';
  return `in ${formatDuration(Math.ceil(d / 1000) * 1000)}`;
}

/** `60×`, `1.5×`. */
export function formatScale(f: number): string {
  return `${Number.isInteger(f) ? f : f.toFixed(1)}×`;
}

export type Tone = 'ok' | 'bad' | 'warn' | 'muted' | 'info';

export function stateTone(s: EventState): Tone {
  switch (s) {
    case 'delivered':
      return 'ok';
    case 'dead':
      return 'bad';
    case 'retrying':
      return 'warn';
    case 'delivering':
    case 'pending':
      return 'info';
    default:
      return 'muted';
  }
}

export const ERROR_WORDS: Record<string, string> = {
  dns: 'DNS failure',
  connect_refused: 'connection refused',
  reset: 'connection reset',
  tls: 'TLS failure',
  timeout: 'timeout',
  interrupted: 'interrupted',
  other: 'connection error',
};

/** What an attempt ended with, in a word or two: `503`, `timeout`, `in flight`. */
export function attemptResult(a: Attempt): string {
  if (a.state === 'in_flight') return 'in flight';
  if (a.state === 'interrupted') return 'interrupted';
  if (a.response) return String(a.response.status);
  if (a.error_class) return ERROR_WORDS[a.error_class] ?? a.error_class;
  return a.error ?? 'no response';
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleDateString()} ${formatClock(ms)}`;
}
