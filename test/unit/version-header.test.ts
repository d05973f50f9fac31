/** Claude.ai's mixed protocol-version header, and what stays the SDK's to refuse. */
import { expect } from 'chai';
import { tolerableVersionHeader, type ProtocolVersions } from '../../server/mcp/version-header.js';

const versions: ProtocolVersions = {
  legacy: ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'],
  claimKey: 'io.modelcontextprotocol/protocolVersion',
};
const legacyBody = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
const modernBody = (claim: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { [versions.claimKey]: claim } } });

describe('tolerableVersionHeader', () => {
  it('serves a 2025-era body sent with the 2026 header as the newest 2025 revision (Claude.ai since August 2026)', () => {
    expect(tolerableVersionHeader('2026-07-28', legacyBody, versions)).to.equal('2025-11-25');
  });

  it('picks the 2025-era revision out of a comma-joined header', () => {
    expect(tolerableVersionHeader('2025-11-25, 2026-07-28', legacyBody, versions)).to.equal('2025-11-25');
    expect(tolerableVersionHeader('2026-07-28,2025-06-18', legacyBody, versions)).to.equal('2025-06-18');
  });

  it('leaves a plain 2025-era header alone', () => {
    expect(tolerableVersionHeader('2025-06-18', legacyBody, versions)).to.equal(undefined);
  });

  it('leaves revisions it does not know for the SDK to refuse', () => {
    for (const header of ['1999-01-01', 'latest', '', '2026-07-28, banana']) {
      expect(tolerableVersionHeader(header, legacyBody, versions), header).to.equal(undefined);
    }
  });

  it('leaves a 2026-only method without its envelope for the SDK to refuse', () => {
    expect(tolerableVersionHeader('2026-07-28', { jsonrpc: '2.0', id: 1, method: 'server/discover' }, versions)).to.equal(undefined);
  });

  it('takes the claimed revision out of a comma-joined header on a 2026-07-28 body', () => {
    expect(tolerableVersionHeader('2025-11-25, 2026-07-28', modernBody('2026-07-28'), versions)).to.equal('2026-07-28');
  });

  it('leaves a 2026-07-28 body whose header disagrees for the SDK to refuse', () => {
    expect(tolerableVersionHeader('2026-07-28', modernBody('2026-07-28'), versions)).to.equal(undefined);
    expect(tolerableVersionHeader('2025-11-25', modernBody('2026-07-28'), versions)).to.equal(undefined);
  });

  it('reads the claim from a batch and ignores bodies that are not JSON-RPC', () => {
    expect(tolerableVersionHeader('2025-11-25, 2026-07-28', [legacyBody, modernBody('2026-07-28')], versions)).to.equal('2026-07-28');
    expect(tolerableVersionHeader('2026-07-28', null, versions)).to.equal('2025-11-25');
    expect(tolerableVersionHeader('2026-07-28', 'text', versions)).to.equal('2025-11-25');
  });
});
