import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule, PrometheusModule.register({ defaultMetrics: { enabled: true } })],
  controllers: [HealthController],
})
export class AppModule {}
