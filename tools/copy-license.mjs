// prepack of each package: ship the repository's LICENSE inside the tarball (one copy in git, at the root).
import { copyFileSync } from 'node:fs';

copyFileSync(new URL('../LICENSE', import.meta.url), 'LICENSE');
