import { useEffect, useRef, useState, type ReactNode } from 'react';
import { messagesOf } from '../api/errors';

/** A short success line, announced to screen readers. */
export function Status({ children }: { children: ReactNode }) {
  return (
    <p className="notice success" role="status">
      {children}
    </p>
  );
}

/** A request that failed, in the service's words. */
export function ErrorView({ error, title }: { error: unknown; title?: string }) {
  const messages = messagesOf(error);
  return (
    <div className="notice error" role="alert">
      {title && <p className="notice-title">{title}</p>}
      {messages.map((m, i) => (
        <p key={i}>{m}</p>
      ))}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      {what}…
    </p>
  );
}

/**
 * The screen's title. It takes the focus when the screen opens (not on the first page load), so a
 * keyboard or screen-reader user lands at the top of the new screen, as with a page load.
 */
export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (document.activeElement && document.activeElement !== document.body) ref.current?.focus();
  }, []);
  return (
    <div className="page-title">
      <h1 ref={ref} tabIndex={-1}>
        {children}
      </h1>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

/**
 * A destructive action asks once more, in place: the first press shows "Yes, …" (which takes the
 * focus) and "Cancel"; Escape cancels.
 */
export function ConfirmButton({
  children,
  confirm,
  question,
  onConfirm,
  disabled,
}: {
  children: ReactNode;
  confirm: ReactNode;
  question?: ReactNode;
  onConfirm(): void | Promise<void>;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (asked.current) first.current?.focus();
    asked.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button ref={first} type="button" className="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span className="confirm" onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
      {question && <span className="confirm-question">{question}</span>}
      <button
        ref={yes}
        type="button"
        className="danger"
        disabled={disabled}
        onClick={async () => {
          await onConfirm();
          setAsking(false);
        }}
      >
        {confirm}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Copies a secret to the clipboard; says whether it worked (the field stays selectable either way). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span className="copy-status" role="status">
        {state === 'copied'
          ? 'Copied to the clipboard.'
          : state === 'failed'
            ? 'Copying failed: select the text and copy it.'
            : ''}
      </span>
    </>
  );
}

export function Pager({
  page,
  pageSize,
  total,
  onPage,
  label,
}: {
  /** 1-based */
  page: number;
  pageSize: number;
  total: number;
  onPage(page: number): void;
  label: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const [typed, setTyped] = useState(String(page));
  useEffect(() => setTyped(String(page)), [page]);
  const go = (n: number) => onPage(Math.min(pages, Math.max(1, n)));
  return (
    <nav className="pager" aria-label={label}>
      <p className="pager-range">
        {from.toLocaleString('en')}–{to.toLocaleString('en')} of {total.toLocaleString('en')}
      </p>
      <button type="button" onClick={() => go(1)} disabled={page <= 1} aria-label="First page">
        «
      </button>
      <button type="button" onClick={() => go(page - 1)} disabled={page <= 1}>
        Previous
      </button>
      <form
        className="pager-jump"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number.parseInt(typed, 10);
          if (Number.isFinite(n)) go(n);
        }}
      >
        <label>
          Page <input inputMode="numeric" size={4} value={typed} onChange={(e) => setTyped(e.target.value)} /> of{' '}
          {pages.toLocaleString('en')}
        </label>
      </form>
      <button type="button" onClick={() => go(page + 1)} disabled={page >= pages}>
        Next
      </button>
      <button type="button" onClick={() => go(pages)} disabled={page >= pages} aria-label="Last page">
        »
      </button>
    </nav>
  );
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
