// What the counter chooses from: the caller's stores and the top-up rules in force at a store (the console's rule picker; the quote route prices them).
import { z } from "zod";
import { STAFF, isHq, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";

export function registerCounterRuleRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    { method: "get", path: "/stores", tag: "admin", summary: "Stores the caller may act in (HQ: every store with a published config)", roles: STAFF },
    ({ principal }) => ({
      stores: isHq(principal) ? d.configs.stores() : [...principal.stores].sort(),
    }),
  );

  r.staff(
    {
      method: "get",
      path: "/top-ups/rules",
      tag: "top-ups",
      summary: "Top-up rules in force at a store (amount or minimum, target, bonus), and the amount settings",
      roles: STAFF,
      query: z.strictObject({ storeId: Id }),
      errors: { 503: "the store has no config yet" },
    },
    ({ query, principal }) => {
      requireStore(principal, query.storeId);
      const rules = d.rules.forStore(query.storeId);
      return {
        settings: rules.topUp,
        rules: rules.topUpRules.map((t) => ({
          id: t.id,
          name: t.name,
          target: t.target,
          amountFen: t.amountFen ?? null,
          minAmountFen: t.minAmountFen ?? null,
          oncePerMember: t.oncePerMember,
          channels: t.channels,
          bonus: t.bonus,
        })),
      };
    },
  );
}
