// The views' zh/en halves: cancel messages split where the English starts, the gate's zh-CN words by refusal code, the store's languages on the served page.
import { describe, expect, it } from "vitest";
import { CANCEL_MESSAGES } from "../session/cart.js";
import { gateSaid, pageHtml, said, splitZhEn } from "./view-text.js";

describe("view texts in zh and en halves", () => {
  it("splits every cancel message into a Chinese half and an English half", () => {
    expect(splitZhEn("已取消结账 Checkout cancelled.")).toEqual(said("已取消结账", "Checkout cancelled."));
    for (const [reason, text] of Object.entries(CANCEL_MESSAGES)) {
      const s = splitZhEn(text);
      expect(s.zh, reason).toMatch(/^[^A-Za-z]+$/);
      expect(s.zh, reason).toMatch(/[\u4e00-\u9fff]/);
      expect(s.en, reason).toMatch(/^[A-Z][^\u4e00-\u9fff]+$/);
      expect(s.text, reason).toBe(text);
    }
    // Nothing English to split off: all of it is the Chinese half.
    expect(splitZhEn("请稍候")).toEqual({ zh: "请稍候", en: "", text: "请稍候" });
  });

  it("words the gate in zh-CN by its refusal code, with the gate's own message as the English", () => {
    expect(gateSaid({ admitted: true, message: "Welcome! Membership valid until 2027-01-31." }, "2027-01-31")).toEqual(
      said("欢迎光临！会员有效期至 2027-01-31", "Welcome! Membership valid until 2027-01-31."),
    );
    expect(gateSaid({ admitted: false, code: "expired", message: "Membership expired on 2026-10-31." }, "2026-10-31").zh).toBe(
      "会员已于 2026-10-31 到期，请到服务台续费",
    );
    expect(gateSaid({ admitted: false, code: "not-paid", message: "x" }).zh).toContain("付费会员");
    expect(gateSaid({ admitted: false, code: "blocked", message: "x" }).zh).toContain("停用");
    expect(gateSaid({ admitted: false, code: "CODE_INVALID", message: "x" }).zh).toContain("刷新会员码");
  });

  it("serves a page with lang zh-CN and the store's languages on <html>", () => {
    const html = '<!doctype html>\n<html lang="zh-CN">\n<head></head></html>';
    expect(pageHtml(html, "zh")).toContain('<html lang="zh-CN" data-languages="zh">');
    expect(pageHtml(html, "zh+en")).toContain('<html lang="zh-CN" data-languages="zh+en">');
  });
});
