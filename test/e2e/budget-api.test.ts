/**
 * Monthly budgets in the dashboard API: /api/me and /api/costs show the limit that applies and
 * this month's spend; admins set a user's limit with PUT /api/users/{email}/budget (a number, no
 * limit, or back to the deployment's default); anyone else is refused and nothing changes.
 * With sign-in disabled (the local admin) and with Firebase ID tokens from the Auth emulator.
 */
import { expect } from 'chai';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { monthResetsAt } from '../../server/core/budget.js';
import { sampleRecord } from '../contract/record-store.contract.js';
import { googleIdToken } from '../support/auth-emulator.js';
import { openStoreKit, STORE_KINDS, type StoreKit } from '../support/store-kits.js';
import { startDashboardApiServer, type DashboardApiServer } from './dashboard-api-server.js';
import { startTestServer, type TestServer } from './harness.js';

interface Budget {
  limitUsd: number | null;
  spentUsd: number;
  reservedUsd: number;
  month: string;
  resetsAt: string;
}
interface CostRow {
  email: string;
  imageCount: number;
  costUsd: number;
  budget: Budget;
  budgetSetting?: number | null | 'default';
  months: { month: string; spentUsd: number; generatedCount: number }[];
}

const thisMonth = () => new Date().toISOString().slice(0, 7);
const json = async <T>(res: Response) => (await res.json()) as T;
const put = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'PUT',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

for (const store of STORE_KINDS) {
  describe(`budget API with sign-in disabled, on the ${store} stores`, () => {
    let server: TestServer;
    const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api${path}`, init);
    const me = `/users/${LOCAL_CALLER.email}/budget`;

    beforeEach(async () => {
      server = await startTestServer({ store, monthlyBudgetUsd: 2 });
    });
    afterEach(async () => server.close());

    it('shows the deployment default, then a limit the admin sets, with what was spent this month', async () => {
      const month = thisMonth();
      const before = await json<{ budget: Budget; defaultBudgetUsd: number | null }>(await api('/me'));
      expect(before.budget).to.deep.equal({ limitUsd: 2, spentUsd: 0, reservedUsd: 0, month, resetsAt: monthResetsAt(month) });
      // The deployment's default, whatever a user's own limit: what "default" means in the editor.
      expect(before.defaultBudgetUsd).to.equal(2);

      const set = await api(me, put({ limitUsd: 5.5 }));
      expect(set.status).to.equal(200);
      expect(await json<Budget>(set)).to.deep.equal({ limitUsd: 5.5, spentUsd: 0, reservedUsd: 0, month, resetsAt: monthResetsAt(month) });

      const client = await server.connect();
      const generated = await client.callTool({ name: 'generate_image', arguments: { prompt: 'a budgeted fox' } });
      const cost = (generated.structuredContent as { cost_usd: number }).cost_usd;
      expect(cost).to.be.above(0);

      const after = await json<{ budget: Budget }>(await api('/me'));
      expect(after.budget).to.deep.include({ limitUsd: 5.5, spentUsd: cost, reservedUsd: 0, month });
      const costs = await json<{ users: CostRow[] }>(await api('/costs'));
      expect(costs.users).to.have.length(1);
      expect(costs.users[0]).to.deep.include({ email: LOCAL_CALLER.email, budgetSetting: 5.5, budget: after.budget });
      expect(costs.users[0]?.months.at(-1)).to.deep.equal({ month, spentUsd: cost, generatedCount: 1 });
      expect((await json<{ defaultBudgetUsd: number | null }>(await api('/me'))).defaultBudgetUsd).to.equal(2);
    });

    it('takes null for no limit and {"default": true} for the deployment default, and the limit holds generations back', async () => {
      expect((await json<Budget>(await api(me, put({ limitUsd: null })))).limitUsd).to.equal(null);
      expect((await json<{ budget: Budget }>(await api('/me'))).budget.limitUsd).to.equal(null);
      expect((await server.records.prefs(LOCAL_CALLER.email)).monthlyBudgetUsd).to.equal(null);

      expect((await json<Budget>(await api(me, put({ default: true })))).limitUsd).to.equal(2);
      expect((await server.records.prefs(LOCAL_CALLER.email)).monthlyBudgetUsd).to.equal(undefined);

      await api(me, put({ limitUsd: 0 }));
      const client = await server.connect();
      const refused = await client.callTool({ name: 'generate_image', arguments: { prompt: 'over budget' } });
      expect(refused.isError).to.equal(true);
      expect(server.fake.requests).to.have.length(0);
      expect((await json<{ budget: Budget }>(await api('/me'))).budget).to.include({ limitUsd: 0, spentUsd: 0 });
    });

    it('answers bad bodies and addresses with 400 saying what is accepted, and changes nothing', async () => {
      await api(me, put({ limitUsd: 3 }));
      const accepted = /\{"limitUsd": <US dollars from 0 to 100000, at most 2 decimals>\}, \{"limitUsd": null\} for no limit, or \{"default": true\}/;
      const cases: [string, RequestInit, RegExp][] = [
        [me, put({ limitUsd: -1 }), /limitUsd must be a number from 0 to 100000, or null/],
        [me, put({ limitUsd: 100_000.01 }), /limitUsd must be a number from 0 to 100000/],
        [me, put({ limitUsd: 1.234 }), /at most 2 decimals/],
        [me, put({ limitUsd: '5' }), /limitUsd must be a number/],
        [me, put({}), /exactly one field, limitUsd or default/],
        [me, put({ limitUsd: 5, default: true }), /exactly one field/],
        [me, put({ default: false }), /default must be true/],
        [me, put({ limit: 5 }), /exactly one field/],
        [me, put([5]), /must be a JSON object/],
        [me, { method: 'PUT', body: 'limitUsd=5', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, /must be a JSON object/],
      ];
      for (const [path, init, message] of cases) {
        const res = await api(path, init);
        const label = typeof init.body === 'string' ? init.body : '';
        expect(res.status, label).to.equal(400);
        const body = await json<{ error: string; message: string }>(res);
        expect(body.error).to.equal('invalid_argument');
        expect(body.message, label).to.match(message).and.match(accepted);
      }
      for (const malformed of ['{"limitUsd":', '5']) {
        const res = await api(me, put(malformed));
        expect(res.status, malformed).to.equal(400);
        expect((await json<{ message: string }>(res)).message).to.match(/not valid JSON/);
      }
      for (const address of ['not-an-email', 'a@b@c', '%20@example.com', `${'x'.repeat(65)}@example.com`]) {
        const res = await api(`/users/${address}/budget`, put({ limitUsd: 1 }));
        expect(res.status, address).to.equal(400);
        expect((await json<{ message: string }>(res)).message, address).to.match(/is not an email address/);
      }
      expect((await server.records.prefs(LOCAL_CALLER.email)).monthlyBudgetUsd).to.equal(3);
      expect((await json<{ budget: Budget }>(await api('/me'))).budget.limitUsd).to.equal(3);
    });

    it('keeps whole cents, and files the budget under the lowercased address', async () => {
      const res = await api('/users/Ada@Example.com/budget', put({ limitUsd: 0.29 }));
      expect(res.status).to.equal(200);
      expect((await json<Budget>(res)).limitUsd).to.equal(0.29);
      expect((await server.records.prefs('ada@example.com')).monthlyBudgetUsd).to.equal(0.29);
      expect((await api('/users/ada@example.com/budget', { method: 'GET' })).status).to.equal(404);
    });
  });

  describe(`budget API with Firebase sign-in, on the ${store} stores`, () => {
    let kit: StoreKit;
    let server: DashboardApiServer;
    let url: string;
    const ADA = 'ada@example.com';
    const BOB = 'bob@example.com';
    const ROOT = 'root@example.com';
    /** Allow-listed, and has not generated anything yet. */
    const CAROL = 'carol@example.com';

    before(async () => {
      kit = await openStoreKit(store);
      const now = new Date().toISOString();
      await kit.records.commit(sampleRecord({ email: ADA, costUsd: 0.134, createdAt: now }));
      await kit.records.commit(sampleRecord({ email: BOB, costUsd: 0.067, createdAt: now }));
      server = await startDashboardApiServer(kit, { allowed: [ADA, BOB, CAROL], admins: [ROOT], monthlyBudgetUsd: 1 });
      url = server.url;
    });
    after(async () => {
      await server.close();
      await kit.close();
    });

    const call = (path: string, token: string, init: RequestInit = {}) =>
      fetch(`${url}/api${path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } });

    it("lets an admin set a user's budget, which the user then sees with what they spent this month", async () => {
      const root = await googleIdToken(ROOT);
      const set = await call(`/users/${ADA}/budget`, root, put({ limitUsd: 10 }));
      expect(set.status).to.equal(200);
      expect(await json<Budget>(set)).to.include({ limitUsd: 10, spentUsd: 0.134, month: thisMonth() });

      const ada = await json<{ email: string; budget: Budget }>(await call('/me', await googleIdToken(ADA)));
      expect(ada.budget).to.deep.equal({ limitUsd: 10, spentUsd: 0.134, reservedUsd: 0, month: thisMonth(), resetsAt: monthResetsAt(thisMonth()) });

      const all = await json<{ users: CostRow[] }>(await call('/costs', root));
      // Everyone on the lists shows, spend or not (the admin too), so a budget can be set before the first image.
      expect(all.users.map((u) => [u.email, u.budgetSetting, u.budget.limitUsd, u.budget.spentUsd, u.imageCount, u.costUsd])).to.deep.equal([
        [ADA, 10, 10, 0.134, 1, 0.134],
        [BOB, 'default', 1, 0.067, 1, 0.067],
        [CAROL, 'default', 1, 0, 0, 0],
        [ROOT, 'default', 1, 0, 0, 0],
      ]);
      expect((await call(`/users/${CAROL}/budget`, root, put({ limitUsd: 2 }))).status).to.equal(200);
      const carol = (await json<{ users: CostRow[] }>(await call('/costs', root))).users.find((u) => u.email === CAROL);
      expect(carol).to.deep.include({ budgetSetting: 2, imageCount: 0, costUsd: 0 });
      expect(carol?.months.every((m) => m.spentUsd === 0 && m.generatedCount === 0)).to.equal(true);
      // A user sees their own row, without the admin's view of the setting.
      const own = await json<{ users: CostRow[] }>(await call('/costs', await googleIdToken(ADA)));
      expect(own.users).to.have.length(1);
      expect(own.users[0]).to.not.have.property('budgetSetting');
      expect(own.users[0]?.budget).to.deep.equal(ada.budget);
    });

    it("refuses a non-admin's PUT with 403, for anyone's budget, and changes nothing", async () => {
      await kit.records.setBudget(BOB, 0.5);
      const bob = await googleIdToken(BOB);
      for (const target of [BOB, ADA, 'not-an-email']) {
        const res = await call(`/users/${target}/budget`, bob, put({ limitUsd: 1000 }));
        expect(res.status, target).to.equal(403);
        expect((await json<{ message: string }>(res)).message).to.include('Only admins can set budgets');
      }
      const malformed = await call(`/users/${BOB}/budget`, bob, put('{"limitUsd":'));
      expect(malformed.status, 'a malformed body').to.equal(403);
      expect((await kit.records.prefs(BOB)).monthlyBudgetUsd).to.equal(0.5);
      expect((await json<{ budget: Budget }>(await call('/me', bob))).budget.limitUsd).to.equal(0.5);
      expect((await fetch(`${url}/api/users/${BOB}/budget`, put({ limitUsd: 1000 }))).status, 'no token').to.equal(401);
      expect((await kit.records.prefs(BOB)).monthlyBudgetUsd).to.equal(0.5);
    });
  });
}
