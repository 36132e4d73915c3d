// The member app at the hub: its routes on the back office (activation, one-time codes, self-service), request-proof authentication, the static app under /app and e-receipts under /r.
import type { Hono } from "hono";
import type { ProofRequest } from "../../protocol/member-proof.js";
import type { BackofficeDeps } from "../backoffice/deps.js";
import type { Routes } from "../backoffice/route.js";
import { registerActivationRoutes } from "./activation.js";
import { registerOtpRoutes } from "./otp.js";
import { registerSelfRoutes } from "./self.js";
import { LogSender, type MessageSender } from "./messages.js";
import { ProofNonces, verifyRequestProof } from "./proof.js";
import { mountReceipts } from "./receipts.js";
import { mountAppStatic } from "./static.js";

export interface MemberAppOptions {
  /** How one-time codes reach phones (default: the log driver). */
  sender?: MessageSender;
  /** Where the built app is (default: dist/member-app). */
  appDir?: string;
}

export class MemberApp {
  readonly nonces: ProofNonces;
  readonly sender: MessageSender;

  constructor(
    private readonly d: BackofficeDeps,
    routes: Routes,
    private readonly o: MemberAppOptions = {},
  ) {
    this.nonces = new ProofNonces(d.db);
    this.sender = o.sender ?? new LogSender(d.log);
    registerActivationRoutes(routes, d, this.nonces);
    registerOtpRoutes(routes, d, this.sender);
    registerSelfRoutes(routes, d);
  }

  /** The member whose app signed this request with their card's enrolled key (blocked members and cards without a key: refused). */
  member(proof: string, req: ProofRequest): { memberId: string; cardId: string } {
    const d = this.d;
    const p = verifyRequestProof(proof, req, {
      nowMs: d.clock.now(),
      nonces: this.nonces,
      publicKeyOf: (card) => {
        const memberId = d.data.memberIdByCard(card);
        if (!memberId || d.data.profile(memberId).cardKeyState !== "enrolled") return undefined;
        const m = d.registry.get(memberId);
        return m && m.status === "active" ? m.cardPublicKey : undefined;
      },
    });
    return { memberId: d.data.memberIdByCard(p.cardId)!, cardId: p.cardId };
  }

  /** /app (the built app) and /r/:token (e-receipts) on the hub's app. */
  mount(app: Hono): void {
    mountAppStatic(app, this.o.appDir);
    mountReceipts(app, this.d.db);
  }
}
