// Public API of @steward/access.
export {};
