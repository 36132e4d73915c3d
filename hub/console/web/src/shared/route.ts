// A small hash router: the console's screens are #/members, #/members/<id>, #/users, #/kiosk-staff, #/hq, #/setup/<token>, #/link/<token>.
import { useEffect, useState } from "react";

function readHash(): string[] {
  return window.location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
}

export function useHashPath(): string[] {
  const read = readHash;
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return parts;
}

export function go(path: string): void {
  window.location.hash = `#/${path}`;
}
