// Public API of @steward/lifecycle.
export {};
