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
  const [data, setData] = useState<R | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(!options.skip);
  const [round, setRound] = useState(0);
  const key = JSON.stringify(variables);
  const variablesRef = useRef(variables);
  variablesRef.current = variables;

  useEffect(() => {
    if (options.skip) {
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    api(document, variablesRef.current, controller.signal)
      .then((answer) => {
        setData(answer);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [api, document, key, round, options.skip]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
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
