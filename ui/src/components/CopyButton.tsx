//! A button that copies text through the platform clipboard and says so.
import { useContext } from 'react';
import { copyText } from '../platform';
import { PlatformContext } from './platformContext';
import { useToast } from './Toast';

export function CopyButton({
  text,
  label = 'Copy',
  done = 'Copied',
  className = '',
  testId,
  title,
}: {
  text: string | (() => string);
  label?: string;
  done?: string;
  className?: string;
  testId?: string;
  title?: string;
}) {
  const { desktop } = useContext(PlatformContext);
  const toast = useToast();
  return (
    <button
      type="button"
      className={`btn ${className}`}
      data-testid={testId}
      title={title}
      onClick={async () => {
        try {
          await copyText(typeof text === 'function' ? text() : text, desktop);
          toast.show(done);
        } catch (e) {
          toast.show(`Could not copy: ${e instanceof Error ? e.message : String(e)}`, 'error');
        }
      }}
    >
      {label}
    </button>
  );
}
