// The zbarimg XML parser the decode bench scores zbar with: \r in text, base64 data with its length, several symbols per file.
import { describe, expect, it } from "vitest";
import { parseZbarXml } from "./testing/zbar-xml.js";

const xml = [
  "<barcodes xmlns='http://zbar.sourceforge.net/2008/barcode'>",
  "<source href='/f/a.png'>",
  "<index num='0'>",
  "<symbol type='QR-Code' quality='1' orientation='UP'><data><![CDATA[line one\r\nline two]]></data></symbol>",
  "<symbol type='CODE-128' quality='72' orientation='UP'><data><![CDATA[168901]]></data></symbol>",
  "</index>",
  "</source>",
  "<source href='/f/b.png'>",
  "<index num='0'>",
  `<symbol type='QR-Code' quality='1' orientation='UP'><data format='base64' length='4'><![CDATA[${Buffer.from([0xff, 0x00, 0x0d, 0x41]).toString("base64")}]]></data></symbol>`,
  "</index>",
  "</source>",
  "<source href='/f/c.png'>",
  "</source>",
  "</barcodes>",
].join("\n");

describe("parseZbarXml", () => {
  it("keeps \\r in text, decodes base64 data with a length, and lists files without symbols", () => {
    const m = parseZbarXml(xml);
    expect(m.get("/f/a.png")?.map((s) => [s.type, s.data.toString("utf8")])).toEqual([
      ["QR-Code", "line one\r\nline two"],
      ["CODE-128", "168901"],
    ]);
    expect(m.get("/f/b.png")?.map((s) => [s.type, [...s.data]])).toEqual([["QR-Code", [0xff, 0x00, 0x0d, 0x41]]]);
    expect(m.get("/f/c.png")).toEqual([]);
  });

  it("marks base64 data (zbar 0.23 sign-extends its high bytes; the bench reads those files again with --raw)", () => {
    const m = parseZbarXml(xml);
    expect(m.get("/f/a.png")?.map((s) => s.base64)).toEqual([false, false]);
    expect(m.get("/f/b.png")?.map((s) => s.base64)).toEqual([true]);
  });
});
