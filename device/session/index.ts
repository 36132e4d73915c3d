// The checkout flow's public face: the session state machine and its types, for the kiosk, its HTTP routes and the tests.
export { Checkout, type CheckoutDeps, type CheckoutListener, type CheckoutPrinter, type Indicator } from "./machine.js";
export { maskCard } from "./payment.js";
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
} from "./types.js";
