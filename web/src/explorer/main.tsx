/**
 * The GraphQL explorer served at GET /graphql to browsers (src/graphql/explorer.ts): GraphiQL from npm,
 * built by Vite as the second entry of this build (explorer.html), so nothing comes from a CDN. Its
 * requests go to the /graphql it was served from, as JSON POSTs (what Apollo's CSRF prevention lets
 * through), without cookies; the Authorization header is typed in the Headers tab, which opens with a
 * `Bearer ` hint (not sent until a token follows it). Headers are not persisted (GraphiQL's default): a token is gone with the tab.
 */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './explorer.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

/** The hint `Bearer ` with no token after it is not sent: a public query works with the hint left as it is. */
function withoutEmptyAuthorization(init: RequestInit | undefined): Headers {
  const headers = new Headers(init?.headers);
  const authorization = headers.get('authorization');
  if (authorization !== null && /^(bearer)?$/i.test(authorization.trim())) headers.delete('authorization');
  return headers;
}

const fetcher = createGraphiQLFetcher({
  url: window.location.pathname,
  fetch: (input, init) =>
    window.fetch(input, { ...init, headers: withoutEmptyAuthorization(init), credentials: 'omit' }),
});

const DEFAULT_QUERY = `# Ctrl/Cmd + Enter runs the document. A signed-in query needs the Authorization header
# (Headers tab below): {"Authorization": "Bearer <session token or API key>"}
{
  countries {
    iso2
    name
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      initialHeaders={JSON.stringify({ Authorization: 'Bearer ' }, null, 2)}
      defaultEditorToolsVisibility="headers"
      isHeadersEditorEnabled
      shouldPersistHeaders={false}
    />
  </StrictMode>,
);
