// Public API of @steward/pool.
export {};
