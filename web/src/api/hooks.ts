import { useCallback, useEffect, useRef, useState } from 'react';
import type { TypedDocumentString } from '../gql/graphql';
import { useSession } from '../session';

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** asks again (after a change), keeping the current data on screen meanwhile */
  reload(): void;
}

/**
 * Runs a query with the session's token whenever its variables change. The last answer stays on screen
 * while the next one loads (paging does not flash); an answer to an older request is dropped.
 */
export function useQuery<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  options: { skip?: boolean } = {},
): QueryState<R> {
  const { api } = useSession();
  const [round, setRound] = useState(0);
  // the answer on screen, with the request it answers: loading is "the screen shows another request's
  // answer", true in the same render that changes the variables (no frame shows stale rows as current)
  const [answer, setAnswer] = useState<{ key: string; data?: R; error?: unknown }>();
  const key = `${JSON.stringify(variables)}#${round}`;
  const variablesRef = useRef(variables);
  variablesRef.current = variables;

  useEffect(() => {
    if (options.skip) return;
    const controller = new AbortController();
    api(document, variablesRef.current, controller.signal)
      .then((data) => setAnswer({ key, data }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setAnswer((last) => ({ key, data: last?.data, error }));
      });
    return () => controller.abort();
  }, [api, document, key, options.skip]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return {
    data: answer?.data,
    error: answer?.error,
    loading: !options.skip && answer?.key !== key,
    reload,
  };
}

export interface MutationState<R, V> {
  run(variables: V): Promise<R>;
  pending: boolean;
}

/** A mutation with the session's token; `pending` disables the form's button while it runs. */
export function useMutation<R, V>(document: TypedDocumentString<R, V>): MutationState<R, V> {
  const { api } = useSession();
  const [pending, setPending] = useState(false);
  const run = useCallback(
    async (variables: V) => {
      setPending(true);
      try {
        return await api(document, variables);
      } finally {
        setPending(false);
      }
    },
    [api, document],
  );
  return { run, pending };
}
