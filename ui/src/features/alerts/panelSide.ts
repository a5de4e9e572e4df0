//! Which way a top-bar panel hangs: under its button's right edge, unless the button sits too far
//! left for that (a narrow window wraps the top bar), then from its left edge.
import { useLayoutEffect, useState, type RefObject } from 'react';

export function panelSide(buttonLeft: number, buttonRight: number, panelWidth: number): 'left' | 'right' {
  return buttonRight - panelWidth < 0 && buttonLeft + panelWidth > buttonRight ? 'left' : 'right';
}

/** The side for the panel of `anchor` while `open`, measured when it opens. */
export function usePanelSide(anchor: RefObject<HTMLElement | null>, open: boolean, panelWidth: number): 'left' | 'right' {
  const [side, setSide] = useState<'left' | 'right'>('right');
  useLayoutEffect(() => {
    if (!open || !anchor.current) return;
    const r = anchor.current.getBoundingClientRect();
    setSide(panelSide(r.left, r.right, panelWidth));
  }, [anchor, open, panelWidth]);
  return side;
}
