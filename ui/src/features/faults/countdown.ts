//! Countdowns for fault windows: the server measures `remaining_ms` when it answers; the UI counts
//! down from there on its own clock, so a window ticks without asking the engine again.
import type { PlanStatus } from '../../api/faults';

/** How much of `remainingMs` (measured at `measuredAt`) is left at `now`, never below 0. */
export function remainingAt(remainingMs: number, measuredAt: number, now: number): number {
  return Math.max(0, remainingMs - Math.max(0, now - measuredAt));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `0:45`, `1:59`, `1:02:03`, `2d 03:04:05`: whole seconds, rounded up so 0:00 means over. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}d ${pad(h)}:${pad(m)}:${pad(s)}`;
  if (h > 0) return `${h}:${pad(m)}:${pad(s)}`;
  return `${m}:${pad(s)}`;
}

/** A plan's state as one line: `live · 1:59 left`, `live`, `scheduled · starts in 0:30`, `expired`, `off`. */
export function planStateLine(status: PlanStatus, measuredAt: number, now: number): string {
  switch (status.state) {
    case 'live':
      return status.remaining_ms == null
        ? 'live'
        : `live · ${formatCountdown(remainingAt(status.remaining_ms, measuredAt, now))} left`;
    case 'scheduled':
      return `scheduled · starts in ${formatCountdown(remainingAt(status.starts_in_ms, measuredAt, now))}`;
    case 'expired':
      return 'expired';
    case 'off':
      return 'off';
  }
}

/**
 * The next moment (ms from `now`) a countdown among `remaining` reaches zero, or null if none
 * runs: the one time the view must ask the engine again, since a window ending fires no event.
 */
export function nextExpiry(remaining: (number | null | undefined)[], measuredAt: number, now: number): number | null {
  let next: number | null = null;
  for (const r of remaining) {
    if (r == null) continue;
    const left = remainingAt(r, measuredAt, now);
    if (next === null || left < next) next = left;
  }
  return next;
}
