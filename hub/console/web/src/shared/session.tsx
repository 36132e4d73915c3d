// Who is signed in, which store the counter works for, and what the role may see (the API enforces it anyway).
import { createContext, useContext } from "react";
import type { operations } from "../api/schema";

export type Person = NonNullable<operations["getAuthSession"]["responses"][200]["content"]["application/json"]["user"]>;

export interface SessionState {
  user: Person;
  /** Stores the user may act in (HQ: every store with a config). */
  stores: string[];
  storeId: string;
  setStoreId: (s: string) => void;
  signOut: () => void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in console");
  return s;
}

export const isHq = (u: Person): boolean => u.role === "hq-admin";
export const isManager = (u: Person): boolean => u.role === "hq-admin" || u.role === "store-manager";
