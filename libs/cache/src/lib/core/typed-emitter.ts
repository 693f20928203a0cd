/** A small typed event emitter whose `has()` lets hot paths skip building payloads nobody listens to. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  /**
   * Event → whether it has listeners, as a plain object: `has('hit')` on the L1 hit path is then a property
   * load instead of a Map lookup. Entries are set to `false`, never deleted, so the object keeps its shape.
   */
  private readonly active: Partial<Record<keyof Events, boolean>> = {};

  /** Subscribes to an event. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    this.active[event] = true;
    return this;
  }

  /** Unsubscribes a listener. */
  off<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): this {
    const set = this.listeners.get(event);
    set?.delete(listener as (payload: never) => void);
    if (set && set.size === 0) {
      this.listeners.delete(event);
      this.active[event] = false;
    }
    return this;
  }

  /** Whether anyone listens to `event`. */
  has(event: keyof Events): boolean {
    return this.active[event] === true;
  }

  /** Calls every listener; a throwing listener never breaks the cache call that emitted. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as (p: Events[E]) => void)(payload);
      } catch {
        // Listeners are observers; their failures are theirs.
      }
    }
  }
}
