// The demo's access setup: import DemoAccessModule in AppModule, mark health routes @Public(), and pass
// demoMetricsController() to PrometheusModule.register({ controller }).
export * from './demo-access.module.js';
export * from './demo-access.config.js';
export * from './demo-access.policies.js';
export * from './demo-metrics.controller.js';
