// The app's state: the card on this phone, the signer made from it, the hub clock offset, and the last summary (kept for offline use).
import { createContext, useContext } from "react";
import type { Signer } from "./api.js";
import type { StoredCard } from "./keystore.js";

export interface Summary {
  serverTime: number;
  member: {
    memberId: string;
    cardId: string;
    name: string;
    status: string;
    levelId: string;
    levelName: string;
    levelBenefits: string;
    cardClass: string;
    cardClassName: string;
    cardKeyState: string;
    homeStoreId: string | null;
    primaryMemberId: string | null;
  };
  vip: { active: boolean; expiresAt: number | null };
  plus: { active: boolean; since: number | null; expiresAt: number | null };
  points: { balance: number; yearlyClear: { action: string; clearOn: string | null } | null };
  storedValue: { totalFen: number; principalFen: number; bonusFen: number };
  coupons: Array<{ instanceId: string; couponId: string; name: string; validFrom: string | null; expiresOn: string }>;
  vipPlans: Array<{
    planId: string;
    classId: string;
    className: string;
    periodDays: number;
    priceFen: number;
    bonus: { from?: string; to?: string; extraDays: number } | null;
  }>;
  headshot: { onFile: boolean; uploadedOn: string | null; today: string; rule: "upload" | "replace-today" | "locked"; lockedFrom: string | null };
  secondaryCards: { count: number; maxPerMember: number; canCreate: boolean };
  codeWindowSeconds: number;
}

export interface AppState {
  card: StoredCard;
  signer: Signer;
  summary: Summary | undefined;
  online: boolean;
  /** Fetches the summary again (updates the clock offset and the offline copy). */
  refresh: () => Promise<void>;
  /** After a refusal that means the key no longer works. */
  forget: () => Promise<void>;
}

export const AppContext = createContext<AppState | undefined>(undefined);

export function useApp(): AppState {
  const s = useContext(AppContext);
  if (!s) throw new Error("no card");
  return s;
}

export function memberPath(s: AppState, rest: string): string {
  return `/bo/members/${encodeURIComponent(s.card.memberId)}${rest}`;
}
