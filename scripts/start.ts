// `npm start`: the main job. A hub with its embedded broker, one simulated kiosk, a few real checkouts, a summary.
//
//   npm start               run the demo, then keep hub and kiosk running until Ctrl-C
//   npm start -- --once     run the demo and exit 0 (non-zero when kiosk and hub disagree)
//   npm start -- --data ./data/demo --broker-port 0 --kiosk-http-port 0 --verbose
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import pino from "pino";
import { systemClock } from "../protocol/clock.js";
import { createLogger } from "../runtime/log.js";
import type { CompletedSale } from "../device/session/index.js";
import { serve } from "@hono/node-server";
import { createKioskApp } from "../device/http.js";
import {
  DEMO,
  DEMO_APP_MEMBER,
  DEMO_STAFF,
  cameraCheckout,
  demoConsole,
  demoMemberApp,
  provisionDemoKiosk,
  seedDemo,
  startDemoHub,
  startKiosk,
  waitForSync,
  waitUntil,
} from "./demo-env.js";

const yuan = (fen: number): string => `¥${(fen / 100).toFixed(2)}`;

const BASKETS: ReadonlyArray<{ title: string; barcodes: string[] }> = [
  { title: "Rice x2, milk", barcodes: ["6901234560015", "6901234560015", "6901234560022"] },
  { title: "Infant formula (no level discount), diapers, milk", barcodes: ["6901234560039", "6901234560046", "6901234560022"] },
  { title: "Olive oil, diapers x2, rice", barcodes: ["6901234560053", "6901234560046", "6901234560046", "6901234560015"] },
];

function printSale(n: number, title: string, sale: CompletedSale): void {
  const out: string[] = [];
  out.push(`\nCheckout ${n}: ${title}   (sale ${sale.saleId.slice(0, 8)}, ledger seq ${sale.seq})`);
  out.push(`  ${"item".padEnd(30)} ${"qty".padStart(3)} ${"price".padStart(9)} ${"member".padStart(9)} ${"total".padStart(10)}`);
  for (const l of sale.priced.lines) {
    out.push(
      `  ${l.name.padEnd(30)} ${String(l.qty).padStart(3)} ${yuan(l.unitPriceFen).padStart(9)} ${yuan(l.memberUnitPriceFen).padStart(9)} ${yuan(l.lineTotalFen).padStart(10)}`,
    );
  }
  const t = sale.priced.totals;
  out.push(`  subtotal ${yuan(t.subtotalFen)}  member savings ${yuan(t.savingsFen)}  to pay ${yuan(t.totalFen)}  points earned ${t.pointsEarned}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      once: { type: "boolean", default: false },
      data: { type: "string", default: "./data/demo" },
      "broker-port": { type: "string", default: "0" },
      "http-port": { type: "string", default: "0" },
      "kiosk-http-port": { type: "string", default: "0" },
      verbose: { type: "boolean", default: false },
    },
  });
  const dataDir = resolve(values.data);
  // Logs go to stderr so the summary on stdout stays readable; --verbose shows the info lines.
  const log = createLogger("demo", { level: values.verbose ? "info" : "warn", destination: pino.destination({ fd: 2, sync: true }) });
  const clock = systemClock;

  const hub = await startDemoHub({ dataDir, brokerPort: Number(values["broker-port"]), httpPort: Number(values["http-port"]) }, clock, log);
  const { keys } = seedDemo(hub, dataDir);
  const app = demoMemberApp(hub);
  process.stdout.write(
    `Hub: HTTP http://127.0.0.1:${hub.httpPort}  embedded MQTT broker ${hub.brokerUrl} (a free port, picked at start)\n` + `Data: ${dataDir}\n`,
  );
  const { kiosk, source } = await startKiosk(provisionDemoKiosk(hub, dataDir), clock, log);
  await waitUntil(() => kiosk.sync.current !== undefined && kiosk.store.memberByCard(DEMO.cardId) !== undefined, "config and members on the kiosk");
  process.stdout.write(`Kiosk ${DEMO.deviceId}: config v${kiosk.store.configVersion()}, ${kiosk.store.memberCount()} member(s) cached\n`);

  let n = 0;
  for (const basket of BASKETS) {
    const { sale } = await cameraCheckout(kiosk, source, keys, basket.barcodes);
    printSale(++n, basket.title, sale);
  }
  await waitForSync(kiosk);
  // The hub pushes the member's new balance after applying each sale; wait until the kiosk has it.
  await waitUntil(
    () => kiosk.store.member(DEMO.memberId)?.pointsBalance === hub.members.get(DEMO.memberId)?.pointsBalance,
    "member points to agree",
    5_000,
  ).catch(() => undefined);

  const hubMember = hub.members.get(DEMO.memberId);
  const kioskMember = kiosk.store.member(DEMO.memberId);
  const stats = hub.ingest.stats;
  const same = hubMember !== undefined && kioskMember !== undefined && hubMember.pointsBalance === kioskMember.pointsBalance;
  process.stdout.write(
    `\nSummary\n` +
      `  member ${DEMO.memberId} (card ${DEMO.cardId}, level ${hubMember?.levelId})\n` +
      `  points on the kiosk: ${kioskMember?.pointsBalance}   points at the hub: ${hubMember?.pointsBalance}   ${same ? "(equal)" : "(DIFFERENT)"}\n` +
      `  kiosk ledger: ${kiosk.store.lastSeq()} entries, hub acknowledged up to ${kiosk.store.ackedSeq()}, outbox ${kiosk.store.outboxDepth()}\n` +
      `  hub ingest: ${stats.applied} applied, ${stats.duplicates} duplicates ignored, ${stats.disagreements} disagreements\n`,
  );

  const shutdown = async (): Promise<void> => {
    await kiosk.stop();
    await hub.stop();
  };
  process.stdout.write(
    `\nMember app: ${app.appUrl}  (docs/member-app.md; run npm run build:app once if it says it is not built)\n` +
      `  activation link for ${DEMO_APP_MEMBER.name} (${DEMO_APP_MEMBER.memberId}), one use, 24 h: ${app.activationLink}\n` +
      `  open it in a phone-sized browser window, show the code, and paste the code text into the display's scan box\n`,
  );
  const web = demoConsole(hub);
  process.stdout.write(
    `\nWeb console: ${web.url}  (docs/console.md; run npm run build:console once if it says it is not built)\n` +
      `  one-time sign-in link for the demo hq-admin, valid 1 h: ${web.signInLink}\n`,
  );
  if (values.once) {
    process.stdout.write("\n(--once: the hub stops now and these links with it; run npm start without --once to keep them open)\n");
    await shutdown();
    process.exit(same ? 0 : 1);
  }
  // The kiosk's pages, for a person to try: the customer display and the staff page (demo staff id and PIN).
  const server = serve({ fetch: createKioskApp(kiosk).fetch, hostname: "127.0.0.1", port: Number(values["kiosk-http-port"]) }, (info) => {
    const url = `http://127.0.0.1:${info.port}`;
    process.stdout.write(
      `\nKiosk pages: customer display ${url}/ui/display  staff page ${url}/ui/staff (staff id ${DEMO_STAFF.staffId}, PIN ${DEMO_STAFF.pin})\n` +
        `A hand scanner in keyboard mode types into the display; or POST ${url}/session/scan {"text": "..."} (docs/kiosk-api.md).\n`,
    );
  });
  process.stdout.write("\nHub and kiosk keep running; press Ctrl-C to stop.\n");
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close();
    void shutdown().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
