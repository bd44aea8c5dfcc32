import { Controller, Get, Res } from '@nestjs/common';
import { Public, Requires } from '@steward/access';
import { PrometheusController } from '@willsoto/nestjs-prometheus';

/** `/metrics` behind `metrics:read`: pass it as `PrometheusModule.register({ controller: DemoMetricsController })`. */
@Controller()
@Requires('metrics:read', { resource: { type: 'metrics' } })
export class DemoMetricsController extends PrometheusController {
  @Get()
  override index(@Res({ passthrough: true }) response: unknown): Promise<string> {
    return super.index(response);
  }
}

/** `/metrics` open to any scraper, for setups where the network already restricts who can reach it. */
@Controller()
@Public()
export class PublicMetricsController extends PrometheusController {
  @Get()
  override index(@Res({ passthrough: true }) response: unknown): Promise<string> {
    return super.index(response);
  }
}

/** The metrics controller the environment asks for: guarded unless `STEWARD_METRICS_PUBLIC=true`. */
export function demoMetricsController(env: NodeJS.ProcessEnv = process.env) {
  return env.STEWARD_METRICS_PUBLIC === 'true' ? PublicMetricsController : DemoMetricsController;
}
