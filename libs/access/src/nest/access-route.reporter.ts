import {
  Inject,
  Injectable,
  Logger,
  Optional,
  RequestMethod,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_GLOBAL_GUARD } from './access.constants.js';
import { ACCESS_MESSAGES } from './access.messages.js';
import { AccessService } from './access.service.js';
import { routeAccess } from './access.guard.js';

/**
 * Lists, once at startup, the routes AccessGuard will deny because they carry no access metadata or
 * require an action the policy schema does not declare.
 */
@Injectable()
export class AccessRouteReporter implements OnApplicationBootstrap {
  private readonly logger = new Logger('AccessModule');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    @Optional() @Inject(ACCESS_GLOBAL_GUARD) private readonly globalGuard?: boolean,
  ) {}

  onApplicationBootstrap(): void {
    const unannotated: string[] = [];
    const privileged: string[] = [];
    const unknownActions: string[] = [];
    const engine = this.access.engine;
    const knowsAction = engine.knowsAction ? (action: string) => engine.knowsAction!(action) : undefined;
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller?.prototype) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as () => unknown;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (path === undefined) continue; // not a route handler
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? 'GET';
        const label = `${method} /${[base, String(path)]
          .map((p) => p.replace(/^\/+|\/+$/g, ''))
          .filter(Boolean)
          .join('/')} (${controller.name}.${name})`;
        const access = routeAccess(this.reflector, handler, controller);
        if (access.kind === 'unannotated') unannotated.push(label);
        else if (access.kind === 'guarded') {
          if (access.requirement.privileged) privileged.push(label);
          if (knowsAction?.(access.requirement.action) === false)
            unknownActions.push(`${label}: ${access.requirement.action}`);
        }
      }
    }
    this.access.unannotatedRoutes = Object.freeze(unannotated);
    // Only what is true: without the global guard, nothing here is denied unless the app applies it.
    const global = this.globalGuard !== false;
    if (!global) this.logger.warn(ACCESS_MESSAGES.noGlobalGuard);
    if (this.access.options.reportUnannotatedRoutes !== false && unannotated.length > 0) {
      this.logger.warn(ACCESS_MESSAGES.unannotatedRoutes(unannotated, global));
    }
    if (unknownActions.length > 0) this.logger.warn(ACCESS_MESSAGES.unknownActions(unknownActions));
    if (!this.access.audit && privileged.length > 0) {
      this.logger.warn(ACCESS_MESSAGES.privilegedWithoutAudit(privileged, global));
    }
  }
}
