import { readFile } from 'node:fs/promises';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { Requires, verifyAuditFile, type AuditRecord } from '@steward/access';
import { PoolRegistry } from '@steward/pool';
import { DEMO_CONFIG } from '../demo.constants.js';
import type { DemoConfig } from '../demo.config.js';
import { AuditQueryDto } from './audit-query.dto.js';
import { HoldLeaseDto } from './hold-lease.dto.js';

/** Operator diagnostics of the demo: read the audit trail, borrow a pooled resource on purpose. */
@Controller('admin')
export class DemoAdminController {
  constructor(
    @Inject(DEMO_CONFIG) private readonly config: DemoConfig,
    private readonly pools: PoolRegistry,
  ) {}

  /** The newest audit records and whether the whole file's hash chain verifies. */
  @Get('audit')
  @Requires('audit:read', { resource: { type: 'audit' } })
  async audit(
    @Query() query: AuditQueryDto,
  ): Promise<{ verified: boolean; brokenAtLine?: number; records: AuditRecord[] }> {
    const file = this.config.auditFile;
    if (!file) throw new NotFoundException('No audit file is configured (set STEWARD_AUDIT_FILE).');
    const verification = await verifyAuditFile(file);
    const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.length > 0);
    // A torn line (a crash mid-write) is the verifier's to report, not a 500 for the reader.
    const records = lines.slice(-(query.limit ?? 50)).flatMap((line) => parseRecord(line));
    return verification.ok
      ? { verified: true, records }
      : { verified: false, brokenAtLine: verification.line, records };
  }

  /**
   * Borrows one resource of a pool for `ms` and answers once it is back: a way to check leak detection
   * (`DB_LEAK_DETECTION_MS`), saturation alerts and drain behaviour against a running service.
   */
  @Post('pools/:name/hold')
  @HttpCode(200)
  @Requires('pool:hold', {
    resource: (req) => ({ type: 'pool', id: String(req.params?.name) }),
    privileged: true,
  })
  async hold(
    @Param('name') name: string,
    @Body() body: HoldLeaseDto,
  ): Promise<{ pool: string; heldMs: number }> {
    const host = this.pools.get(name);
    if (!host) throw new NotFoundException(`No pool named "${name}".`);
    const started = performance.now();
    await host.pool.use(() => new Promise<void>((resolve) => setTimeout(resolve, body.ms)));
    return { pool: name, heldMs: Math.round(performance.now() - started) };
  }
}

function parseRecord(line: string): AuditRecord[] {
  try {
    return [JSON.parse(line) as AuditRecord];
  } catch {
    return [];
  }
}
