// Before the demo: builds the member app and the web console once (dist/member-app, dist/console) when they are missing, so `npm start` on a fresh clone serves both.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const builds = [
  { out: "dist/member-app/index.html", script: "build:app" },
  { out: "dist/console/index.html", script: "build:console" },
];
for (const b of builds) {
  if (existsSync(b.out)) continue;
  process.stdout.write(`demo: ${b.out} is missing, running npm run ${b.script} once\n`);
  const r = spawnSync("npm", ["run", "-s", b.script], { stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`demo: npm run ${b.script} failed; the demo runs, but that screen answers 503 until it is built\n`);
  }
}
