/** A small typed event emitter whose `has()` lets hot paths skip building payloads nobody listens to. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Subscribes to an event. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return this;
  }

  /** Unsubscribes a listener. */
  off<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): this {
    const set = this.listeners.get(event);
    set?.delete(listener as (payload: never) => void);
    if (set && set.size === 0) this.listeners.delete(event);
    return this;
  }

  /** Whether anyone listens to `event`. */
  has(event: keyof Events): boolean {
    return this.listeners.has(event);
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
