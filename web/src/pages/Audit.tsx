import { useState, type FormEvent } from 'react';
import { useQuery } from '../api/hooks';
import { graphql } from '../gql';
import type { AuditEventWhereInput, ConsoleAuditEventFragment } from '../gql/graphql';
import { Link, navigate, useLocation, withQuery } from '../router';
import { useSession } from '../session';
import { TextField } from '../ui/forms';
import { ErrorView, formatDate, Loading, PageTitle } from '../ui/widgets';

export const AuditEventFields = graphql(`
  fragment ConsoleAuditEvent on AuditEvent {
    id
    action
    occurredAt
    actor {
      kind
      id
      ipAddress
      requestId
    }
    resource {
      type
      id
    }
    changes {
      field
      old
      new
    }
  }
`);

/** One page more than shown: whether there is a next page (the API has no count of audit entries). */
const AuditEvents = graphql(`
  query ConsoleAuditEvents($where: AuditEventWhereInput, $take: Int!, $skip: Int!) {
    auditEvents(where: $where, take: $take, skip: $skip) {
      ...ConsoleAuditEvent
    }
  }
`);

const PAGE_SIZE = 50;
const FILTERS = ['action', 'actor', 'type', 'resource', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string> & { page: number };

function readFilters(query: URLSearchParams): Filters {
  const page = Number.parseInt(query.get('page') ?? '1', 10);
  const text = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? '']));
  return { ...(text as Record<(typeof FILTERS)[number], string>), page: Number.isFinite(page) && page > 0 ? page : 1 };
}

const toQuery = (f: Filters) => withQuery('/audit', { ...f, page: f.page === 1 ? undefined : f.page });

/** A datetime-local value ("2026-11-29T10:00") is the browser's local time: sent as an instant. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function whereOf(f: Filters): AuditEventWhereInput {
  const where: AuditEventWhereInput = {};
  if (f.action.trim()) where.action = f.action.trim();
  if (f.actor.trim()) where.actorId = f.actor.trim();
  if (f.type.trim()) where.resourceType = f.type.trim();
  if (f.resource.trim()) where.resourceId = f.resource.trim();
  const from = instant(f.from);
  const to = instant(f.to);
  if (from) where.from = from;
  if (to) where.to = to;
  return where;
}

export function AuditPage() {
  const { query } = useLocation();
  const filters = readFilters(query);
  const [typed, setTyped] = useState<Filters>(filters);
  const set = (name: (typeof FILTERS)[number]) => (value: string) => setTyped((t) => ({ ...t, [name]: value }));
  const list = useQuery(AuditEvents, {
    where: whereOf(filters),
    take: PAGE_SIZE + 1,
    skip: (filters.page - 1) * PAGE_SIZE,
  });
  const rows = list.data?.auditEvents;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(toQuery({ ...typed, page: 1 }));
  };

  return (
    <>
      <PageTitle>Audit trail</PageTitle>
      <p className="lead">
        Every change to accounts, addresses, groups, roles, tokens, identity profiles and webhooks, newest first.
        Secrets are shown as “[redacted]” and personal values masked, as the service stores them.
      </p>
      <form className="filters audit-filters" role="search" aria-label="Audit trail" onSubmit={submit}>
        <TextField
          label="Action"
          value={typed.action}
          onValue={set('action')}
          placeholder="e.g. customer_group.member_added"
          autoComplete="off"
        />
        <TextField label="Actor id" value={typed.actor} onValue={set('actor')} autoComplete="off" />
        <TextField
          label="Resource type"
          value={typed.type}
          onValue={set('type')}
          placeholder="e.g. user"
          autoComplete="off"
        />
        <TextField label="Resource id" value={typed.resource} onValue={set('resource')} autoComplete="off" />
        <TextField label="From" type="datetime-local" value={typed.from} onValue={set('from')} />
        <TextField label="Before" type="datetime-local" value={typed.to} onValue={set('to')} />
        <button type="submit" className="primary">
          Filter
        </button>
      </form>

      {list.error ? <ErrorView error={list.error} title="The audit trail could not be loaded." /> : null}
      {rows === undefined ? (
        !list.error && <Loading what="Loading the audit trail" />
      ) : (
        <>
          <AuditTable
            events={rows.slice(0, PAGE_SIZE)}
            caption="Audit entries, newest first"
            busy={list.loading}
            empty="No entry matches these filters."
          />
          <nav className="pager" aria-label="Audit pages">
            <p className="pager-range">
              {rows.length === 0
                ? 'No entries'
                : `Entries ${((filters.page - 1) * PAGE_SIZE + 1).toLocaleString('en')}–${(
                    (filters.page - 1) * PAGE_SIZE +
                    Math.min(rows.length, PAGE_SIZE)
                  ).toLocaleString('en')}`}
            </p>
            <button
              type="button"
              disabled={filters.page <= 1}
              onClick={() => navigate(toQuery({ ...filters, page: filters.page - 1 }))}
            >
              Previous
            </button>
            <button
              type="button"
              disabled={rows.length <= PAGE_SIZE}
              onClick={() => navigate(toQuery({ ...filters, page: filters.page + 1 }))}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </>
  );
}

/** Audit entries with their field changes; shared by the audit trail and a customer's history. */
export function AuditTable({
  events,
  caption,
  busy,
  empty,
}: {
  events: readonly ConsoleAuditEventFragment[];
  caption: string;
  busy?: boolean;
  empty: string;
}) {
  const { permissions } = useSession();
  // a resource the console has a page for, and the role may open, links to it
  const pageOf = (type: string) =>
    type === 'user' && permissions.canReadUsers
      ? '/customers'
      : type === 'customer_group' && (permissions.canReadUsers || permissions.canManageUsers)
        ? '/groups'
        : undefined;
  return (
    <div className="table-wrap" aria-busy={busy}>
      <table className="cards audit">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Resource</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {events.length === 0 ? (
            <tr>
              <td colSpan={5}>{empty}</td>
            </tr>
          ) : (
            events.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{formatDate(e.occurredAt)}</td>
                <td data-label="Action">
                  <code>{e.action}</code>
                </td>
                <td data-label="Actor">
                  {e.actor.kind}
                  {e.actor.id && <span className="hint mono"> {e.actor.id}</span>}
                  {e.actor.ipAddress && <span className="hint"> from {e.actor.ipAddress}</span>}
                </td>
                <td data-label="Resource">
                  {e.resource.type}
                  {e.resource.id &&
                    (pageOf(e.resource.type) ? (
                      <Link
                        className="hint mono"
                        to={`${pageOf(e.resource.type)}/${encodeURIComponent(e.resource.id)}`}
                      >
                        {e.resource.id}
                      </Link>
                    ) : (
                      <span className="hint mono"> {e.resource.id}</span>
                    ))}
                </td>
                <td data-label="Changes">
                  {e.changes.length === 0 ? (
                    '—'
                  ) : (
                    <ul className="changes" aria-label={`Changes of ${e.action}`}>
                      {e.changes.map((c) => (
                        <li key={c.field}>
                          <code>{c.field}</code>: {show(c.old)} → {show(c.new)}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  return typeof value === 'string' ? `“${value}”` : JSON.stringify(value);
}
