// The rule for staff PINs, shared by the kiosk (sign-in) and hubctl (making the hash): 4 to 12 digits, 6 or more advised.

/** A staff PIN: 4 to 12 ASCII digits. */
export const STAFF_PIN_FORMAT = /^[0-9]{4,12}$/;
/** Fewer digits than this are allowed but warned about: a 4-digit PIN's hash falls to an offline search in about a minute. */
export const STAFF_PIN_ADVISED_DIGITS = 6;
