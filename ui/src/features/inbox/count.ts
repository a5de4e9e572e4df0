/**
 * What the header says about a list's total. The engine counts matches up to 10,000 and then says
 * `total_capped` (a full count of a large store costs more than the page it comes with), so a
 * capped total reads "10,000+ captures", as search tools show a count they stopped at.
 */
export function captureCountLabel(total: number, capped = false): string {
  const n = `${total.toLocaleString()}${capped ? '+' : ''}`;
  return `${n} ${total === 1 && !capped ? 'capture' : 'captures'}`;
}
