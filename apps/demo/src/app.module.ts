import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { loadDemoConfig } from './demo.config.js';
import { DemoModule } from './demo.module.js';

@Module({
  imports: [
    PrometheusModule.register({ defaultMetrics: { enabled: true } }),
    DemoModule.forRoot(loadDemoConfig()),
  ],
})
export class AppModule {}
