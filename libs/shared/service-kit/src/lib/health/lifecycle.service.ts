import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/** Knows when the service has started to shut down, so readiness turns red before connections close. */
@Injectable()
export class LifecycleService implements BeforeApplicationShutdown {
  private draining = false;

  /** True once shutdown has begun. */
  get isShuttingDown(): boolean {
    return this.draining;
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
