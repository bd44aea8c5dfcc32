import type { PolicyDefinition } from '@steward/access';

/** Every action the demo's routes declare with `@Requires`; a policy naming another one fails to load. */
export const DEMO_ACTIONS = [
  'pool:list',
  'pool:read',
  'pool:drain',
  'pool:resize',
  'pool:reset',
  'pool:hold',
  'process:list',
  'process:restart',
  'audit:read',
  'items:read',
  'items:write',
  'hash:compute',
  'metrics:read',
] as const;

/** Every resource type the demo's routes name. */
export const DEMO_RESOURCE_TYPES = ['pool', 'process', 'audit', 'items', 'hash', 'metrics'] as const;

/** Roles the demo's keys and tokens carry. */
export const DEMO_ROLES = { admin: 'admin', reader: 'reader', metrics: 'metrics' } as const;

/** The demo's policies: admins operate pools and processes and read the audit trail; readers read items. */
export const DEMO_POLICIES: readonly PolicyDefinition[] = [
  {
    id: 'admins-operate',
    effect: 'permit',
    principal: { roles: [DEMO_ROLES.admin] },
    actions: ['pool:*', 'process:*', 'audit:read'],
    description: 'Admins list, drain and resize pools, restart processes and read the audit trail.',
  },
  {
    id: 'readers-read-items',
    effect: 'permit',
    principal: { roles: [DEMO_ROLES.reader, DEMO_ROLES.admin] },
    actions: ['items:read', 'hash:compute'],
  },
  {
    id: 'admins-write-items',
    effect: 'permit',
    principal: { roles: [DEMO_ROLES.admin] },
    actions: ['items:write'],
  },
  {
    id: 'metrics-scrape',
    effect: 'permit',
    principal: { roles: [DEMO_ROLES.metrics, DEMO_ROLES.admin] },
    actions: ['metrics:read'],
  },
];
