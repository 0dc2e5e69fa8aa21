import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '../api/hooks';
import { graphql } from '../gql';
import type { UserOrderByInput, UserWhereInput } from '../gql/graphql';
import { Link, navigate, useLocation, withQuery } from '../router';
import { ErrorView, formatDate, Loading, PageTitle, Pager } from '../ui/widgets';
import { SelectField, TextField } from '../ui/forms';

const Customers = graphql(`
  query ConsoleCustomers($where: UserWhereInput!, $take: Int!, $skip: Int!, $orderBy: [UserOrderByInput!]) {
    users(where: $where, take: $take, skip: $skip, orderBy: $orderBy) {
      ...ConsoleCustomerRow
    }
    usersCount(where: $where)
  }
`);

graphql(`
  fragment ConsoleCustomerRow on User {
    id
    email
    name
    hasAccount
    emailVerified
    createdAt
    role {
      id
      name
    }
  }
`);

const GroupOptions = graphql(`
  query ConsoleGroupOptions {
    customerGroups(take: 1000, orderBy: [{ name: asc }]) {
      id
      name
    }
  }
`);

/** With a group chosen: one page of its members matching the same filters, and how many match. */
const GroupMembers = graphql(`
  query ConsoleGroupMembers(
    $id: ID!
    $where: UserWhereInput!
    $take: Int!
    $skip: Int!
    $orderBy: [UserOrderByInput!]
  ) {
    customerGroup(where: { id: $id }) {
      id
      users(where: $where, take: $take, skip: $skip, orderBy: $orderBy) {
        ...ConsoleCustomerRow
      }
      usersCount(where: $where)
    }
  }
`);

const SORTS: Record<string, { label: string; orderBy: UserOrderByInput[] }> = {
  newest: { label: 'Newest first', orderBy: [{ createdAt: 'desc' }] },
  oldest: { label: 'Oldest first', orderBy: [{ createdAt: 'asc' }] },
  email: { label: 'Email A–Z', orderBy: [{ email: 'asc' }] },
  name: { label: 'Name A–Z', orderBy: [{ name: 'asc' }, { email: 'asc' }] },
};
const PAGE_SIZES = ['25', '50', '100'];
const SEARCH_IN = [
  { value: 'email', label: 'Email' },
  { value: 'name', label: 'Name' },
];
const VERIFICATION = [
  { value: '', label: 'Any' },
  { value: 'yes', label: 'Verified' },
  { value: 'no', label: 'Not verified' },
];
const KINDS = [
  { value: '', label: 'Everyone' },
  { value: 'customers', label: 'Customers (no role)' },
  { value: 'staff', label: 'Staff (with a role)' },
];

interface Filters {
  q: string;
  in: 'email' | 'name';
  kind: '' | 'customers' | 'staff';
  verified: '' | 'yes' | 'no';
  group: string;
  sort: string;
  size: number;
  page: number;
}

function readFilters(query: URLSearchParams): Filters {
  const size = query.get('size') ?? '25';
  const page = Number.parseInt(query.get('page') ?? '1', 10);
  const kind = query.get('kind');
  const verified = query.get('verified');
  return {
    q: query.get('q') ?? '',
    in: query.get('in') === 'name' ? 'name' : 'email',
    kind: kind === 'customers' || kind === 'staff' ? kind : '',
    verified: verified === 'yes' || verified === 'no' ? verified : '',
    group: query.get('group') ?? '',
    sort: query.get('sort') && query.get('sort')! in SORTS ? query.get('sort')! : 'newest',
    size: PAGE_SIZES.includes(size) ? Number(size) : 25,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function toQuery(f: Filters) {
  return withQuery('/customers', {
    q: f.q.trim(),
    in: f.in === 'email' ? undefined : f.in,
    kind: f.kind,
    verified: f.verified,
    group: f.group,
    sort: f.sort === 'newest' ? undefined : f.sort,
    size: f.size === 25 ? undefined : f.size,
    page: f.page === 1 ? undefined : f.page,
  });
}

export function CustomersPage() {
  const { query } = useLocation();
  const filters = readFilters(query);
  const latest = useRef(filters);
  latest.current = filters;
  const set = (change: Partial<Filters>, replace = false) =>
    navigate(toQuery({ ...latest.current, page: 1, ...change }), { replace });

  // the search box updates the address (and the list) once typing pauses
  const [typed, setTyped] = useState(filters.q);
  useEffect(() => {
    // back/forward or a link changed the search: show it (but keep a space being typed)
    setTyped((current) => (current.trim() === filters.q.trim() ? current : filters.q));
  }, [filters.q]);
  useEffect(() => {
    if (typed.trim() === latest.current.q.trim()) return;
    const timer = window.setTimeout(() => set({ q: typed }, true), 300);
    return () => window.clearTimeout(timer);
    // only typing starts the timer; `set` reads the latest filters when it fires
  }, [typed]);

  const where = useMemo<UserWhereInput>(() => {
    const w: UserWhereInput = {};
    const text = filters.q.trim();
    if (text) w[filters.in] = { contains: text };
    if (filters.kind) w.hasRole = filters.kind === 'staff';
    if (filters.verified) w.emailVerified = filters.verified === 'yes';
    return w;
  }, [filters.q, filters.in, filters.kind, filters.verified]);

  const groups = useQuery(GroupOptions, {});
  const page = {
    where,
    take: filters.size,
    skip: (filters.page - 1) * filters.size,
    orderBy: SORTS[filters.sort].orderBy,
  };
  const list = useQuery(Customers, page, { skip: !!filters.group });
  const members = useQuery(GroupMembers, { id: filters.group, ...page }, { skip: !filters.group });

  const rows = filters.group
    ? { users: members.data?.customerGroup?.users ?? undefined, total: members.data?.customerGroup?.usersCount }
    : { users: list.data?.users ?? undefined, total: list.data?.usersCount };

  const active = filters.group ? members : list;
  const groupMissing = !!filters.group && members.data && !members.data.customerGroup;

  return (
    <>
      <PageTitle>Customers</PageTitle>
      <form
        className="filters"
        role="search"
        aria-label="Customers"
        onSubmit={(e) => (e.preventDefault(), set({ q: typed }))}
      >
        <TextField
          label="Search"
          type="search"
          value={typed}
          onValue={setTyped}
          placeholder={filters.in === 'email' ? 'part of an email' : 'part of a name'}
          hint="Ignores case."
        />
        <SelectField
          label="Search in"
          value={filters.in}
          onValue={(v) => set({ in: v as Filters['in'] })}
          options={SEARCH_IN}
        />
        <SelectField
          label="Customer group"
          value={filters.group}
          onValue={(group) => set({ group })}
          options={[
            { value: '', label: 'Any group' },
            ...(groups.data?.customerGroups ?? []).map((g) => ({ value: g.id, label: g.name })),
          ]}
        />
        <SelectField
          label="Accounts"
          value={filters.kind}
          onValue={(v) => set({ kind: v as Filters['kind'] })}
          options={KINDS}
        />
        <SelectField
          label="Verification"
          value={filters.verified}
          onValue={(v) => set({ verified: v as Filters['verified'] })}
          options={VERIFICATION}
        />
        <SelectField
          label="Order"
          value={filters.sort}
          onValue={(sort) => set({ sort })}
          options={Object.entries(SORTS).map(([value, s]) => ({ value, label: s.label }))}
        />
        <SelectField
          label="Per page"
          value={String(filters.size)}
          onValue={(v) => set({ size: Number(v) })}
          options={PAGE_SIZES.map((s) => ({ value: s, label: s }))}
        />
      </form>

      {active.error ? <ErrorView error={active.error} title="The customers could not be loaded." /> : null}
      {groupMissing && (
        <p className="notice error" role="alert">
          That customer group no longer exists.
        </p>
      )}
      {rows.users === undefined && !active.error && !groupMissing ? (
        <Loading what="Loading customers" />
      ) : rows.users ? (
        <>
          <div className="table-wrap" aria-busy={active.loading}>
            <table className="cards">
              <caption className="visually-hidden">Customers, {SORTS[filters.sort].label.toLowerCase()}</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Can sign in</th>
                  <th scope="col">Email verified</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {rows.users.length === 0 ? (
                  <tr>
                    <td colSpan={6}>No one matches these filters.</td>
                  </tr>
                ) : (
                  rows.users.map((u) => (
                    <tr key={u.id}>
                      <td data-label="Email">
                        <Link to={`/customers/${encodeURIComponent(u.id)}`}>{u.email ?? u.id}</Link>
                      </td>
                      <td data-label="Name">{u.name || '—'}</td>
                      <td data-label="Role">{u.role?.name ?? 'Customer'}</td>
                      <td data-label="Can sign in">{u.hasAccount ? 'Yes' : 'No (no password)'}</td>
                      <td data-label="Email verified">{u.emailVerified ? 'Verified' : 'Not verified'}</td>
                      <td data-label="Created">{formatDate(u.createdAt)}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pager
            label="Customer pages"
            page={filters.page}
            pageSize={filters.size}
            total={rows.total ?? 0}
            onPage={(page) => navigate(toQuery({ ...filters, page }))}
          />
        </>
      ) : null}
    </>
  );
}
