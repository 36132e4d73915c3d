// The checkout flow's public face: the session state machine (device/session/) and its types, under their old import path.
export { Checkout, type CheckoutDeps, type CheckoutListener, type CheckoutPrinter, type Indicator } from "./session/machine.js";
export { maskCard } from "./session/payment.js";
export {
  CheckoutError,
  type CancelReason,
  type CartLine,
  type CheckoutEvent,
  type CheckoutRefusal,
  type CheckoutState,
  type CheckoutStateName,
  type CompletedClaim,
  type CompletedSale,
  type PayWith,
  type PendingVerification,
} from "./session/types.js";
