import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OptionalPeerMissingError } from './optional-peer.errors.js';
import { loadOptionalPeer, requireOptionalPeer } from './optional-peer.js';

describe('optional peers', () => {
  it('loads an installed peer as a namespace', async () => {
    const pg = await loadOptionalPeer<{ default: { Pool: unknown } }>('pg');
    expect(typeof pg?.default.Pool).toBe('function');
  });

  it('resolves undefined for a peer that is not installed, and requireOptionalPeer names the feature', async () => {
    await expect(loadOptionalPeer('steward-no-such-peer')).resolves.toBeUndefined();
    const error = await requireOptionalPeer('steward-no-such-peer', 'The widget sink').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OptionalPeerMissingError);
    expect(error).toMatchObject({
      code: 'STEWARD_OPTIONAL_PEER_MISSING',
      message:
        "The widget sink needs the optional peer 'steward-no-such-peer': npm install steward-no-such-peer",
    });
  });

  it('rethrows a peer that is installed but fails to load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'steward-peer-'));
    try {
      const broken = join(dir, 'broken.mjs');
      await writeFile(broken, "throw new Error('broken peer');\n");
      await expect(loadOptionalPeer(pathToFileURL(broken).href)).rejects.toThrow('broken peer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
