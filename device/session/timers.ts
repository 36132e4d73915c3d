// Timers passed into the session, gate and staff services (never a bare setTimeout in logic): the tree's one Timers (runtime/timers.ts).
export { type TimerHandle, type Timers, systemTimers } from "../../runtime/timers.js";
