// Downloads a report table as CSV: the hub writes the file (format=csv, UTF-8 with BOM); the browser saves it under the hub's file name.
export async function downloadCsv(path: string, query: Record<string, string | undefined>): Promise<void> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, v);
  params.set("format", "csv");
  const res = await fetch(`${path}?${params.toString()}`, { credentials: "same-origin" });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({ error: "HTTP", message: String(res.status) }))) as unknown;
    throw body;
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "report.csv";
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
