// `npm run docs`: the API reference of every package's public entry points, read from the workspaces'
// own export maps (tshy.exports), so the list of packages and subpaths lives only in their package.json.
import { readFileSync } from 'node:fs';

const root = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const entryPoints = root.workspaces.flatMap((dir) => {
  const pkg = JSON.parse(readFileSync(new URL(`./${dir}/package.json`, import.meta.url), 'utf8'));
  return Object.entries(pkg.tshy.exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([, source]) => `${dir}/${source.replace(/^\.\//, '')}`);
});

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'Steward',
  entryPoints,
  tsconfig: './tsconfig.docs.json',
  out: 'docs/api',
  excludePrivate: true,
  excludeProtected: true,
  excludeInternal: true,
  excludeExternals: true,
  readme: 'none',
  disableSources: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
};
