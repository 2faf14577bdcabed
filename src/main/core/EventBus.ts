import type { EventName, EventPayload } from '../../shared/ipc/contract';

export type EventListener = (name: EventName, payload: unknown) => void;

/**
 * Push events from services (import progress, training epochs) to whoever listens:
 * the Electron transport forwards them to the window, the web host to its event stream,
 * the CLI to a progress bar.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(name, payload);
      } catch {
        // A failing listener must not stop a service or the other listeners.
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Who may receive push events: a transport asks it for each session before sending an event
 * (the trust feature answers: a signed-in, unlocked session). 'auth:changed' carries nothing
 * and always goes out, so a login or lock screen learns that it should refresh.
 */
export type EventAudience = (sessionId: string, eventName: string) => boolean;

/** Whether a session should be sent this event. */
export function mayDeliver(audience: EventAudience | undefined, sessionId: string, eventName: string): boolean {
  return eventName === 'auth:changed' || !audience || audience(sessionId, eventName);
}
