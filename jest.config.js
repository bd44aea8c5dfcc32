// One Jest configuration for every suite. The @steward/* packages resolve to their TypeScript sources
// through the "@steward/source" export condition that each lib's package.json declares (tshy's
// sourceDialects), so no list of libs is repeated here.
const project = (displayName, testMatch) => ({
  displayName,
  testMatch,
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@steward/source'] },
  extensionsToTreatAsEsm: ['.ts'],
  setupFiles: ['<rootDir>/test/jest.setup.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/libs/[^/]+/dist/'],
});

export default {
  // Inside the checkout: a fresh clone starts with no cached transforms.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  projects: [
    project('unit', ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts']),
    project('e2e', ['<rootDir>/test/e2e/**/*.e2e-spec.ts']),
    project('integration', ['<rootDir>/test/integration/**/*.int-spec.ts']),
    project('chaos', ['<rootDir>/test/chaos/**/*.chaos-spec.ts']),
    project('consumers', ['<rootDir>/test/consumers/**/*.consumer-spec.ts']),
  ],
};
