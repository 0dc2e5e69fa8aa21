import type { ReactNode } from 'react';
import { ApiTokensPage } from './pages/ApiTokens';
import { AuditPage } from './pages/Audit';
import { CustomerPage } from './pages/Customer';
import { CustomersPage } from './pages/Customers';
import { GroupPage } from './pages/Group';
import { GroupsPage } from './pages/Groups';
import { IdentitySettingsPage } from './pages/IdentitySettings';
import { RolesPage } from './pages/Roles';
import { WebhooksPage } from './pages/Webhooks';
import type { Permissions } from './session';

/**
 * The console's screens. Each says which permissions open it, the same the API asks for its queries:
 * a screen the role cannot open is neither in the navigation nor reachable by its address. A new screen
 * is one entry here.
 */
export interface Screen {
  pattern: string;
  /** the navigation's label, for top-level screens */
  nav?: string;
  allowed(permissions: Permissions): boolean;
  render(params: Record<string, string>): ReactNode;
}

const readsUsers = (p: Permissions) => p.canReadUsers;
const readsGroups = (p: Permissions) => p.canReadUsers || p.canManageUsers;

export const SCREENS: readonly Screen[] = [
  { pattern: '/customers', nav: 'Customers', allowed: readsUsers, render: () => <CustomersPage /> },
  { pattern: '/customers/:id', allowed: readsUsers, render: ({ id }) => <CustomerPage id={id} /> },
  { pattern: '/groups', nav: 'Customer groups', allowed: readsGroups, render: () => <GroupsPage /> },
  { pattern: '/groups/:id', allowed: readsGroups, render: ({ id }) => <GroupPage id={id} /> },
  { pattern: '/api-tokens', nav: 'API tokens', allowed: (p) => p.canManageApiTokens, render: () => <ApiTokensPage /> },
  {
    pattern: '/identity-settings',
    nav: 'Identity settings',
    allowed: (p) => p.canManageIdentities,
    render: () => <IdentitySettingsPage />,
  },
  { pattern: '/roles', nav: 'Roles', allowed: (p) => p.canManageRoles, render: () => <RolesPage /> },
  { pattern: '/webhooks', nav: 'Webhooks', allowed: (p) => p.canManageWebhooks, render: () => <WebhooksPage /> },
  { pattern: '/audit', nav: 'Audit trail', allowed: (p) => p.canReadAudit, render: () => <AuditPage /> },
];
