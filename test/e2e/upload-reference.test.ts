import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import sharp from 'sharp';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import type { ImageName } from '../../server/core/names.js';
import { UPLOAD_MAX_BYTES } from '../../server/uploads/upload-image.js';
import { UploadLinks } from '../../server/uploads/upload-links.js';
import type { McpTestClient } from '../support/mcp-clients.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';

type Content = CallToolResult['content'][number];

function textOf(result: CallToolResult): string {
  return result.content.filter((c): c is Extract<Content, { type: 'text' }> => c.type === 'text').map((c) => c.text).join('\n');
}

const SIGNING_KEY = 'upload-test-signing-key-of-enough-length';
const ADA = 'ada@example.com';
const ALLOWED = new Set([LOCAL_CALLER.email, ADA]);
const HEIC_FIXTURE = new URL('../fixtures/tiny.heic', import.meta.url);

/** A photo as a phone writes it: a JPEG whose EXIF holds where it was taken. */
async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'TestPhone', Model: 'Model 1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4032/100' } })
    .toBuffer();
}

for (const store of STORE_KINDS) {
  describe(`upload_reference on the ${store} stores`, () => {
    let server: TestServer;
    let client: McpTestClient;
    // The server's own key: the test makes links for other users (and expired ones) as the server would.
    let links: UploadLinks;

    beforeEach(async () => {
      server = await startTestServer({ store, uploads: { signingKey: SIGNING_KEY, isAllowed: (email) => ALLOWED.has(email) } });
      client = await server.connect();
      links = new UploadLinks(SIGNING_KEY, server.url);
    });
    afterEach(async () => {
      await server.close();
    });

    const linkFromTool = async (): Promise<string> => {
      const result = await client.callTool({ name: 'upload_reference', arguments: {} });
      expect(result.isError ?? false, textOf(result)).to.equal(false);
      const url = new RegExp(`${server.url}/upload/[A-Za-z0-9_.-]+`).exec(textOf(result))?.[0];
      if (!url) throw new Error(`no link in: ${textOf(result)}`);
      return url;
    };
    const put = (url: string, body: Buffer, contentType = 'image/jpeg') => fetch(url, { method: 'PUT', body, headers: { 'Content-Type': contentType } });
    const generateWith = (reference: string) => client.callTool({ name: 'generate_image', arguments: { prompt: 'put this in a meadow', reference_images: [reference] } });

    it('takes a photo through the link, strips its GPS, and lets its owner use it as a reference', async () => {
      const url = await linkFromTool();
      const page = await fetch(url);
      expect(page.status).to.equal(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).to.match(/default-src 'none'/).and.match(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
      const html = await page.text();
      expect(html).to.include('<label for="photo">').and.include('type="file"');
      expect(html).not.to.match(/<script(?![^>]*nonce=)/);
      expect(html).not.to.match(/(src|href)="https?:/);

      const photo = await jpegWithGps();
      expect((await sharp(photo).metadata()).exif, 'the test photo carries EXIF').to.be.instanceOf(Buffer);
      const answer = await put(url, photo);
      const body = (await answer.json()) as { title: string; message: string };
      expect(answer.status, body.message).to.equal(201);
      expect(body.title).to.match(/^[0-9a-f]{32}\.ref\.png$/);

      // Stored without metadata, as the user's upload, never as a generation.
      const stored = await server.images.read(body.title as ImageName, 'image');
      const metadata = await sharp(stored).metadata();
      expect(metadata.format).to.equal('png');
      expect(metadata.exif).to.equal(undefined);
      expect(metadata.xmp).to.equal(undefined);
      expect(stored.includes(Buffer.from('TestPhone'))).to.equal(false);
      expect(await server.records.getUpload(body.title as ImageName)).to.include({ email: LOCAL_CALLER.email, originalType: 'jpeg', width: 640, height: 480 });
      const list = await client.callTool({ name: 'list_images', arguments: {} });
      expect(textOf(list)).not.to.include(body.title);
      // No public route serves it.
      expect((await fetch(`${server.url}/i/${body.title}`)).status).to.equal(404);
      expect((await fetch(`${server.url}/i/${body.title.slice(0, 32)}.thumb.webp`)).status).to.equal(404);
      expect((await fetch(`${server.url}/i/${body.title.slice(0, 32)}.png`)).status).to.equal(404);

      const generated = await generateWith(body.title);
      expect(generated.isError ?? false, textOf(generated)).to.equal(false);
      const sent = server.fake.requests.at(-1)?.body.contents?.[0]?.parts?.find((p) => p.inlineData)?.inlineData;
      expect(sent?.mimeType).to.match(/^image\//);
      const sentBytes = Buffer.from(sent?.data ?? '', 'base64');
      const sentMeta = await sharp(sentBytes).metadata();
      expect(sentMeta.width).to.equal(640);
      expect(sentMeta.exif).to.equal(undefined);
      const title = /"([0-9a-f]{32}\.png)"/.exec(textOf(generated))?.[1] as ImageName;
      expect((await server.records.get(title))?.referenceNames).to.deep.equal([body.title]);
      // The dashboard names the reference, with no link (uploads have none).
      const page2 = (await (await fetch(`${server.url}/api/generations`)).json()) as { generations: { name: string; references: unknown[] }[] };
      expect(page2.generations.find((g) => g.name === title)?.references).to.deep.equal([{ name: body.title }]);
      const info = await client.callTool({ name: 'image_info', arguments: { image: title } });
      expect(textOf(info)).to.include(`Reference images: ${body.title}`);
    });

    it('refuses an expired link, and stores nothing', async () => {
      const { url } = await links.create(LOCAL_CALLER.email, -5);
      const before = await server.stored();
      expect((await fetch(url)).status).to.equal(410);
      const answer = await put(url, await jpegWithGps());
      expect(answer.status).to.equal(410);
      expect(((await answer.json()) as { message: string }).message).to.match(/expired or is not valid/);
      expect(await server.stored()).to.deep.equal(before);
    });

    it('never logs the link’s token', async () => {
      const logLines: string[] = [];
      const logged = await startTestServer({ store, logLines });
      try {
        const loggedClient = await logged.connect();
        const result = await loggedClient.callTool({ name: 'upload_reference', arguments: {} });
        const url = new RegExp(`${logged.url}/upload/[A-Za-z0-9_.-]+`).exec(textOf(result))?.[0] ?? '';
        const token = url.split('/upload/')[1] ?? '';
        expect(token).to.have.length.above(100);
        expect((await fetch(url)).status).to.equal(200);
        expect((await put(url, await jpegWithGps())).status).to.equal(201);
        expect((await put(url, Buffer.from('again'))).status).to.equal(410);
        expect(logLines.join('\n')).to.include('/upload/{token}');
        expect(logLines.join('\n')).not.to.include(token.slice(-40));
      } finally {
        await logged.close();
      }
    });

    it('refuses a link that is not ours (tampered signature)', async () => {
      const url = await linkFromTool();
      const tampered = url.slice(0, -4) + (url.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect((await put(tampered, await jpegWithGps())).status).to.equal(410);
      const forged = (await new UploadLinks('another-key-entirely-of-enough-length', server.url).create(LOCAL_CALLER.email)).url;
      expect((await put(forged, await jpegWithGps())).status).to.equal(410);
    });

    it("keeps someone's upload theirs: another user gets the same not-found as for a missing image", async () => {
      const { url } = await links.create(ADA);
      const answer = await put(url, await jpegWithGps());
      const { title } = (await answer.json()) as { title: string };
      expect(answer.status).to.equal(201);
      const before = await server.stored();
      const missing = await generateWith('0123456789abcdef0123456789abcdef.ref.png');
      const theirs = await generateWith(title);
      expect(theirs.isError).to.equal(true);
      expect(textOf(theirs)).to.equal(textOf(missing).replace('0123456789abcdef0123456789abcdef', title.slice(0, 32)));
      // image_info too (the local caller is an admin: photos are private all the same), and list_uploads.
      const info = await client.callTool({ name: 'image_info', arguments: { image: title } });
      const infoMissing = await client.callTool({ name: 'image_info', arguments: { image: '0123456789abcdef0123456789abcdef.ref.png' } });
      expect(info.isError).to.equal(true);
      expect(textOf(info)).to.equal(textOf(infoMissing).replace('0123456789abcdef0123456789abcdef', title.slice(0, 32)));
      expect(textOf(await client.callTool({ name: 'list_uploads', arguments: {} }))).not.to.include(title);
      expect(server.fake.requests).to.have.length(0);
      expect(await server.stored()).to.deep.equal(before);
    });

    it('refuses a link whose user is no longer allowed', async () => {
      const { url } = await links.create('mallory@example.com');
      const before = await server.stored();
      expect((await put(url, await jpegWithGps())).status).to.equal(403);
      expect(await server.stored()).to.deep.equal(before);
    });

    it('takes one upload per link: a second PUT is refused, and of two at once exactly one succeeds', async () => {
      const url = await linkFromTool();
      const photo = await jpegWithGps();
      expect((await put(url, photo)).status).to.equal(201);
      const stored = await server.stored();
      const again = await put(url, photo);
      expect(again.status).to.equal(410);
      expect(((await again.json()) as { message: string }).message).to.match(/used already/);
      expect((await fetch(url)).status).to.equal(410);
      expect(await server.stored()).to.deep.equal(stored);

      const racing = await linkFromTool();
      const statuses = (await Promise.all([put(racing, photo), put(racing, photo), put(racing, photo)])).map((r) => r.status).sort();
      expect(statuses).to.deep.equal([201, 410, 410]);
    });

    it('answers 415 for a file that is not a photo, whatever its name and type say, and keeps the link usable', async () => {
      const url = await linkFromTool();
      const before = await server.stored();
      const answer = await put(url, Buffer.from('these are not the pixels you are looking for\n'), 'image/jpeg');
      expect(answer.status).to.equal(415);
      expect(((await answer.json()) as { message: string }).message).to.match(/PNG, JPEG, WebP or HEIC/);
      expect(await server.stored()).to.deep.equal(before);
      expect((await put(url, await jpegWithGps())).status).to.equal(201);
    });

    it('answers 413 for a body over 20 MB, and stores nothing', async () => {
      const url = await linkFromTool();
      const before = await server.stored();
      const answer = await put(url, Buffer.alloc(UPLOAD_MAX_BYTES + 1, 0xff));
      expect(answer.status).to.equal(413);
      expect(((await answer.json()) as { message: string }).message).to.match(/larger than 20 MB/);
      expect(await server.stored()).to.deep.equal(before);
    });

    it('takes a HEIC photo (an iPhone’s), decoded from HEVC and stored as a PNG, usable as a reference', async () => {
      const heic = await readFile(HEIC_FIXTURE);
      expect(heic.toString('latin1', 4, 12)).to.equal('ftypheic');
      const answer = await put(await linkFromTool(), heic, 'application/octet-stream');
      const body = (await answer.json()) as { title: string; message: string };
      expect(answer.status, body.message).to.equal(201);
      const stored = await sharp(await server.images.read(body.title as ImageName, 'image')).raw().toBuffer({ resolveWithObject: true });
      expect(stored.info).to.include({ width: 64, height: 48 });
      // The fixture is one colour, #33aa77, through a lossy codec.
      const [r, g, b] = stored.data;
      expect([r, g, b].map((v, i) => Math.abs((v ?? 0) - [0x33, 0xaa, 0x77][i]!))).to.satisfy((d: number[]) => d.every((x) => x <= 6));
      expect(await server.records.getUpload(body.title as ImageName)).to.include({ originalType: 'heic' });
      const generated = await generateWith(body.title);
      expect(generated.isError ?? false, textOf(generated)).to.equal(false);
    });

    it('answers 415 for a damaged HEIC, and stores nothing', async () => {
      const url = await linkFromTool();
      const before = await server.stored();
      const heic = await readFile(HEIC_FIXTURE);
      const answer = await put(url, heic.subarray(0, Math.floor(heic.length / 2)), 'image/heic');
      expect(answer.status).to.equal(415);
      expect(((await answer.json()) as { message: string }).message).to.match(/HEIC photo could not be read/);
      expect(await server.stored()).to.deep.equal(before);
    });
  });
}
