import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { NavContext, type Nav, type View } from '../../nav';
import { createShortcutReader, SEQUENCE_MS, SHORTCUTS } from './shortcuts';
import { Shortcuts } from './Shortcuts';

const input = () => document.createElement('input');

describe('reading key presses', () => {
  it('g then a letter switches views; g alone does nothing, and the second key must come soon', () => {
    const read = createShortcutReader();
    expect(read({ key: 'g' }, 0)).toBeNull();
    expect(read({ key: 'd' }, 100)).toEqual({ type: 'go', view: 'dashboard' });
    expect(read({ key: 'g' }, 1000)).toBeNull();
    expect(read({ key: 'o' }, 1000 + SEQUENCE_MS + 1)).toBeNull(); // too late: o means nothing alone
    expect(read({ key: 'g' }, 5000)).toBeNull();
    expect(read({ key: 'z' }, 5001)).toBeNull(); // an unknown second key ends the sequence
    expect(read({ key: 'r' }, 5002)).toEqual({ type: 'replay' });
  });

  it('knows ?, /, r and c, and ignores presses with a modifier', () => {
    const read = createShortcutReader();
    expect(read({ key: '?' }, 0)).toEqual({ type: 'help' });
    expect(read({ key: '/' }, 0)).toEqual({ type: 'search' });
    expect(read({ key: 'c' }, 0)).toEqual({ type: 'copy-curl' });
    expect(read({ key: 'c', ctrlKey: true }, 0)).toBeNull(); // the browser's copy
    expect(read({ key: 'r', metaKey: true }, 0)).toBeNull(); // reload
  });

  it('does nothing while typing in a field, but Escape still closes', () => {
    const read = createShortcutReader();
    for (const key of ['?', '/', 'r', 'c', 'g']) expect(read({ key, target: input() }, 0)).toBeNull();
    expect(read({ key: 'd', target: input() }, 10)).toBeNull(); // and no g sequence was started
    expect(read({ key: 'Escape', target: input() }, 0)).toEqual({ type: 'close' });
    const editor = document.createElement('div');
    editor.className = 'cm-editor';
    const line = document.createElement('div');
    editor.appendChild(line);
    expect(read({ key: 'r', target: line }, 0)).toBeNull(); // inside the JSON editor
  });

  it('lists every shortcut it handles in the help sheet', () => {
    const listed = SHORTCUTS.flatMap((s) => s.items.map((i) => i.keys.join(' ')));
    for (const k of ['j ↓', 'k ↑', 'r', 'c', '/', '?', 'g i', 'g o', 'g d', 'g e', 'g w', 'g f', 'g r']) expect(listed).toContain(k);
  });
});

describe('the shortcuts in the app', () => {
  function renderShortcuts() {
    const went: View[] = [];
    const nav: Nav = { view: 'inbox', go: (v) => went.push(v), openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {} };
    render(
      <NavContext.Provider value={nav}>
        <Shortcuts />
        <input data-testid="field" />
      </NavContext.Provider>,
    );
    return went;
  }

  it('? opens the help sheet and Escape closes it; g d goes to the Dashboard', () => {
    const went = renderShortcuts();
    fireEvent.keyDown(window, { key: '?' });
    expect(screen.getByTestId('shortcuts-sheet').textContent).toContain('Copy as cURL');
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('shortcuts-sheet')).toBeNull();
    fireEvent.keyDown(window, { key: 'g' });
    fireEvent.keyDown(window, { key: 'd' });
    expect(went).toEqual(['dashboard']);
  });

  it('types into a field instead of acting', () => {
    const went = renderShortcuts();
    const field = screen.getByTestId('field');
    fireEvent.keyDown(field, { key: '?' });
    fireEvent.keyDown(field, { key: 'g' });
    fireEvent.keyDown(field, { key: 'i' });
    expect(screen.queryByTestId('shortcuts-sheet')).toBeNull();
    expect(went).toEqual([]);
  });
});
