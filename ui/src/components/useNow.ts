//! The current time, refreshed every `ms`, for relative times ("3m ago"). A clock, not a poll.
import { useEffect, useState } from 'react';

export function useNow(ms = 15000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
