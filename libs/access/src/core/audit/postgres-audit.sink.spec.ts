import { InvalidOptionsError } from '@steward/common';
import { chainAuditEvents } from './audit-chain.js';
import { PostgresAuditSink } from './postgres-audit.sink.js';

// SQL shape only; the real database is exercised in test/integration/access-audit.int-spec.ts.
describe('PostgresAuditSink', () => {
  it('rejects table names that could inject SQL, and a missing target', () => {
    for (const table of ['audit; drop table users', 'Audit', 'a.b.c', '"x"', '']) {
      expect(() => new PostgresAuditSink({ pool: { query: async () => ({ rows: [] }) }, table })).toThrow(
        InvalidOptionsError,
      );
    }
    expect(() => new PostgresAuditSink({})).toThrow(InvalidOptionsError);
  });

  it('sends a batch as one parameterized multi-row insert, after creating the table once', async () => {
    const calls: { text: string; values?: unknown[] }[] = [];
    const sink = new PostgresAuditSink({
      pool: {
        query: async (text, values) => {
          calls.push({ text, values });
          return { rows: [] };
        },
      },
      table: 'audit.events',
    });
    const { records } = chainAuditEvents(
      [0, 1, 2].map((i) => ({
        time: '2026-01-05T10:00:00.000Z',
        type: 'authz.decision' as const,
        principal: `'); --${i}`,
      })),
      undefined,
    );
    await sink.write(records);
    await sink.write(records.slice(0, 1));
    expect(calls.map((c) => c.text.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'create table if',
      'insert into audit.events',
      'insert into audit.events',
    ]);
    expect(calls[1]!.text).toContain('($13, $14, $15, $16::jsonb, $17, $18)');
    expect(calls[1]!.text).not.toContain("'); --");
    expect(calls[1]!.values).toHaveLength(18);
    expect(calls[1]!.values![3]).toBe(JSON.stringify(records[0]!.event));
  });
});
