/**
 * The dashboard's reference photos (/api/uploads): uploading, listing, thumbnails and deleting,
 * for their owner only, with Firebase Auth emulator tokens; and the same photos through MCP
 * (list_uploads, reference_images) on a local server.
 */
import { expect } from 'chai';
import sharp from 'sharp';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Upload, UploadList } from '../../server/api/api-types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { newUploadName, type ImageName } from '../../server/core/names.js';
import { UPLOAD_MAX_BYTES } from '../../server/uploads/upload-image.js';
import { MAX_UPLOADS_PER_USER } from '../../server/uploads/store-upload.js';
import { googleIdToken } from '../support/auth-emulator.js';
import { STORE_KINDS, openStoreKit, type StoreKit } from '../support/store-kits.js';
import { startDashboardApiServer, type DashboardApiServer } from './dashboard-api-server.js';
import { startTestServer, type TestServer } from './harness.js';

const ADA = 'ada@example.com';
const BOB = 'bob@example.com';

async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 30, g: 140, b: 90 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'TestPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4032/100' } })
    .toBuffer();
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

for (const store of STORE_KINDS) {
  describe(`/api/uploads on the ${store} stores`, () => {
    let kit: StoreKit;
    let server: DashboardApiServer;
    let url: string;
    let ada: string;
    let bob: string;

    beforeEach(async () => {
      kit = await openStoreKit(store);
      server = await startDashboardApiServer(kit, { allowed: [ADA, BOB], admins: ['root@example.com'] });
      url = server.url;
      [ada, bob] = await Promise.all([googleIdToken(ADA), googleIdToken(BOB)]);
    });
    afterEach(async () => {
      await server.close();
      await kit.close();
    });

    const call = (path: string, token: string | undefined, init: RequestInit = {}) =>
      fetch(`${url}/api${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) } });
    const post = (token: string | undefined, body: Buffer) => call('/uploads', token, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    const list = async (token: string) => (await (await call('/uploads', token)).json()) as UploadList;

    it('stores a photo for its uploader without its metadata, lists it and serves its thumbnail to them alone', async () => {
      const answer = await post(ada, await jpegWithGps());
      const upload = (await answer.json()) as Upload;
      expect(answer.status, JSON.stringify(upload)).to.equal(201);
      expect(upload.title).to.match(/^[0-9a-f]{32}\.ref\.png$/);
      expect(upload).to.include({ width: 800, height: 600, originalType: 'jpeg', thumbnailPath: `/api/uploads/${upload.title}/thumbnail` });

      const stored = await kit.images.read(upload.title as ImageName, 'image');
      expect((await sharp(stored).metadata()).exif).to.equal(undefined);
      expect(stored.includes(Buffer.from('TestPhone'))).to.equal(false);
      expect(await kit.records.getUpload(upload.title as ImageName)).to.include({ email: ADA });

      const mine = await list(ada);
      expect(mine.uploads).to.deep.equal([upload]);
      expect(mine).to.include({ maxUploads: MAX_UPLOADS_PER_USER, maxBytes: UPLOAD_MAX_BYTES });
      const thumbnail = await call(upload.thumbnailPath.replace('/api', ''), ada);
      expect(thumbnail.status).to.equal(200);
      expect(thumbnail.headers.get('content-type')).to.match(/^image\/webp/);
      expect((await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).width).to.be.at.most(320);

      // Not a generation: no gallery, count or cost shows it.
      const generations = (await (await call('/generations', ada)).json()) as { generations: unknown[] };
      expect(generations.generations).to.deep.equal([]);
      expect((await kit.records.totals(ADA)).imageCount).to.equal(0);

      // Bob sees none of it, and cannot remove it.
      expect((await list(bob)).uploads).to.deep.equal([]);
      expect((await call(upload.thumbnailPath.replace('/api', ''), bob)).status).to.equal(404);
      expect((await call(`/uploads/${upload.title}`, bob, { method: 'DELETE' })).status).to.equal(404);
      expect((await list(ada)).uploads).to.have.length(1);
    });

    it('refuses what is not a photo, what is too large, and callers not signed in or not allowed, storing nothing', async () => {
      const before = await kit.stored();
      const text = await post(ada, Buffer.from('not a photo at all, only text named photo.jpg'));
      expect(text.status).to.equal(415);
      expect(await text.json()).to.include({ error: 'unsupported_type' }).and.have.property('message').that.matches(/PNG, JPEG, WebP or HEIC/);

      const large = await post(ada, Buffer.alloc(UPLOAD_MAX_BYTES + 1, 0xff));
      expect(large.status).to.equal(413);
      expect(((await large.json()) as { message: string }).message).to.match(/larger than 20 MB/);

      const empty = await post(ada, Buffer.alloc(0));
      expect(empty.status).to.equal(415);
      // What a form on another site could send without a preflight is refused unread.
      const asForm = await call('/uploads', ada, { method: 'POST', body: await jpegWithGps(), headers: { 'content-type': 'text/plain' } });
      expect(asForm.status).to.equal(415);
      expect(((await asForm.json()) as { message: string }).message).to.match(/application\/octet-stream or image/);
      expect((await call('/uploads', ada, { method: 'POST', body: await jpegWithGps() })).status, 'no type at all').to.equal(415);

      expect((await post(undefined, await jpegWithGps())).status).to.equal(401);
      expect((await post(await googleIdToken('carol@example.com'), await jpegWithGps())).status).to.equal(403);
      expect(await kit.stored()).to.deep.equal(before);
      expect((await list(ada)).uploads).to.deep.equal([]);
    });

    it('deletes a photo: gone from the list, the records and the images; a second delete is 404', async () => {
      const upload = (await (await post(ada, await jpegWithGps())).json()) as Upload;
      const name = upload.title as ImageName;
      expect((await call(`/uploads/${upload.title}`, ada, { method: 'DELETE' })).status).to.equal(204);
      expect((await list(ada)).uploads).to.deep.equal([]);
      expect(await kit.records.getUpload(name)).to.equal(undefined);
      expect(await kit.images.stat(name, 'image')).to.equal(undefined);
      expect(await kit.images.stat(name, 'thumbnail')).to.equal(undefined);
      expect((await call(`/uploads/${upload.title}`, ada, { method: 'DELETE' })).status).to.equal(404);
      expect((await call('/uploads/..%2F..%2Fetc%2Fpasswd', ada, { method: 'DELETE' })).status).to.equal(404);
    });

    it('refuses one photo more than a user may keep until one is deleted', async function () {
      this.timeout(60_000);
      const kept = Array.from({ length: MAX_UPLOADS_PER_USER }, (_, i) => ({
        name: newUploadName(),
        email: ADA,
        createdAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
        bytes: 1000,
        width: 10,
        height: 10,
        originalType: 'png',
      }));
      for (const upload of kept) await kit.records.createUpload(upload);
      const refused = await post(ada, await jpegWithGps());
      expect(refused.status).to.equal(429);
      expect(((await refused.json()) as { message: string }).message).to.match(/delete some/);
      expect((await list(ada)).uploads).to.have.length(MAX_UPLOADS_PER_USER);
      // Bob has room of his own.
      expect((await post(bob, await jpegWithGps())).status).to.equal(201);

      expect((await call(`/uploads/${kept[0]!.name}`, ada, { method: 'DELETE' })).status).to.equal(204);
      expect((await post(ada, await jpegWithGps())).status).to.equal(201);
    });
  });
}

describe('uploaded photos through MCP (list_uploads, reference_images)', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('lists a photo uploaded in the dashboard apart from the images, uses it as a reference, and no longer once deleted', async () => {
    const client = await server.connect();
    expect(textOf(await client.callTool({ name: 'list_uploads', arguments: {} }))).to.match(/no uploaded photos/);

    const answer = await fetch(`${server.url}/api/uploads`, { method: 'POST', body: await jpegWithGps(), headers: { 'content-type': 'image/jpeg' } });
    const upload = (await answer.json()) as Upload;
    expect(answer.status).to.equal(201);

    const listed = await client.callTool({ name: 'list_uploads', arguments: {} });
    expect(textOf(listed)).to.include(upload.title).and.include('800×600');
    expect(listed.structuredContent).to.deep.include({ uploads: [{ title: upload.title, created_at: upload.createdAt, width: 800, height: 600, original_type: 'jpeg' }] });
    expect(textOf(await client.callTool({ name: 'list_images', arguments: {} }))).not.to.include(upload.title);
    const info = await client.callTool({ name: 'image_info', arguments: { image: upload.title } });
    expect(info.isError ?? false, textOf(info)).to.equal(false);
    expect(textOf(info)).to.include('a photo you uploaded').and.include('800×600');
    expect(info.content.find((c) => c.type === 'image')).to.include({ mimeType: 'image/webp' });

    const generated = await client.callTool({ name: 'generate_image', arguments: { prompt: 'this scene at night', reference_images: [upload.title] } });
    expect(generated.isError ?? false, textOf(generated)).to.equal(false);

    expect((await fetch(`${server.url}/api/uploads/${upload.title}`, { method: 'DELETE' })).status).to.equal(204);
    const after = await client.callTool({ name: 'generate_image', arguments: { prompt: 'again', reference_images: [upload.title] } });
    expect(after.isError).to.equal(true);
    expect(textOf(after)).to.match(/was not found/);
    const gone = await client.callTool({ name: 'image_info', arguments: { image: upload.title } });
    expect(gone.isError).to.equal(true);
    expect(textOf(gone)).to.match(/No image titled .* that you can see/);
    expect(textOf(await client.callTool({ name: 'list_uploads', arguments: {} }))).to.match(/no uploaded photos/);
  });

  it('gives no upload link to a user who keeps the most photos, and a link made before then takes nothing, saying what to do', async () => {
    const client = await server.connect();
    const earlier = /http:\/\/\S+\/upload\/\S+/.exec(textOf(await client.callTool({ name: 'upload_reference', arguments: {} })))?.[0] ?? '';
    expect(earlier).not.to.equal('');
    for (let i = 0; i < MAX_UPLOADS_PER_USER; i++) {
      await server.records.createUpload({ name: newUploadName(), email: LOCAL_CALLER.email, createdAt: new Date(Date.UTC(2026, 10, 1) + i).toISOString(), bytes: 1, width: 1, height: 1, originalType: 'png' });
    }
    const refused = await client.callTool({ name: 'upload_reference', arguments: {} });
    expect(refused.isError).to.equal(true);
    expect(textOf(refused)).to.match(/delete some in the dashboard/).and.not.match(/\/upload\//);

    const before = await server.stored();
    const page = await fetch(earlier);
    expect(page.status).to.equal(429);
    expect(await page.text()).to.match(/delete some in the dashboard/);
    const put = await fetch(earlier, { method: 'PUT', body: await jpegWithGps() });
    expect(put.status).to.equal(429);
    expect(await server.stored()).to.deep.equal(before);
  });
});
