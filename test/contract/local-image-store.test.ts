import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalImageStore } from '../../server/images/local-image-store.js';
import { imageStoreContract } from './image-store.contract.js';

imageStoreContract('local disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'image-store-contract-'));
  return { store: new LocalImageStore(join(dir, 'images')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
