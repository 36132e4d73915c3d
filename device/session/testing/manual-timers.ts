// Timers that fire only when a test advances them: the one implementation lives in protocol/testing (hub tests use it too).
export { ManualTimers } from "../../../runtime/testing/manual-timers.js";
