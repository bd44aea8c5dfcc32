// @steward/pool/admin: the guarded admin controller, the only part of the pool that needs @steward/access.
export { PoolAdminController, POOL_ADMIN_ACTIONS } from './nest/pool-admin.controller.js';
export { ResizePoolDto } from './nest/resize-pool.dto.js';
