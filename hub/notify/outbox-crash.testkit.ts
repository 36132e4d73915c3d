// Test helper run as a child process (outbox.test.ts): claims the due messages, starts handing the first to a provider and is killed (SIGKILL) before the provider answers.
import { openDatabase } from "../../storage/sqlite.js";
import { openPostgres } from "../../storage/postgres.js";
import { ManualClock } from "../../protocol/clock.js";
import { postgresUrl } from "../../test/postgres.js";
import { Outbox } from "./outbox.js";

const [store, where, at] = process.argv.slice(2);
const db = store === "sqlite" ? await openDatabase(where!) : await openPostgres({ url: postgresUrl(), schema: where! });
const outbox = new Outbox(db, new ManualClock(Number(at)), undefined, {
  instance: "doomed",
  channels: {
    default: {
      kind: "doomed",
      send: async (m) => {
        // The claim is committed; the provider got the message (or not): the process dies here.
        process.stdout.write(`sending ${m.notificationId}\n`);
        process.kill(process.pid, "SIGKILL");
        await new Promise(() => {});
      },
    },
  },
});
await outbox.sendDue();
