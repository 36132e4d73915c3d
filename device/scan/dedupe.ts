// Duplicate suppression: the same code seen again within a window of its last sighting is dropped.

/**
 * A code held in front of the camera is seen on every frame; it is accepted once, and again only
 * after it has been out of sight for `windowMs` (each sighting refreshes the window).
 */
export class DuplicateFilter {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the code should be accepted now; records the sighting either way. */
  accept(format: string, text: string, now: number): boolean {
    this.prune(now);
    const key = `${format}\u0000${text}`;
    const last = this.lastSeen.get(key);
    this.lastSeen.set(key, now);
    return last === undefined || now - last > this.windowMs;
  }

  /** Forgets everything (e.g. after a checkout completes, so the next member can scan the same item). */
  clear(): void {
    this.lastSeen.clear();
  }

  get size(): number {
    return this.lastSeen.size;
  }

  private prune(now: number): void {
    if (this.lastSeen.size < 64) return;
    for (const [key, at] of this.lastSeen) if (now - at > this.windowMs) this.lastSeen.delete(key);
  }
}
