// Load and unload hooks of the residency manager: metrics (genq_model_loaded, genq_model_load_seconds)
// and the heartbeat's state publisher subscribe here. Listeners must not throw.
export interface ModelLoadedEvent {
  model: string;
  loadSeconds: number;
  residentBytes: number;
}

export interface ModelUnloadedEvent {
  model: string;
  /** "keep-alive", "memory budget" or "admin". */
  reason: string;
}

type Listener<T> = (event: T) => void;

export class ResidencyEvents {
  private readonly loadedListeners = new Set<Listener<ModelLoadedEvent>>();
  private readonly unloadedListeners = new Set<Listener<ModelUnloadedEvent>>();
  private readonly changeListeners = new Set<() => void>();

  /** A model finished loading; returns the unsubscribe function. */
  onLoaded(listener: Listener<ModelLoadedEvent>): () => void {
    this.loadedListeners.add(listener);
    return () => this.loadedListeners.delete(listener);
  }

  /** A model's session was released. */
  onUnloaded(listener: Listener<ModelUnloadedEvent>): () => void {
    this.unloadedListeners.add(listener);
    return () => this.unloadedListeners.delete(listener);
  }

  /** Any state change (loading, loaded, unloaded, last use): the published state is stale. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  loaded(event: ModelLoadedEvent): void {
    for (const listener of this.loadedListeners) listener(event);
    this.changed();
  }

  unloaded(event: ModelUnloadedEvent): void {
    for (const listener of this.unloadedListeners) listener(event);
    this.changed();
  }

  changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}
