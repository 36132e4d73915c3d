// Member import columns: the one table of column names (English and the Chinese headers old systems export), how each cell is read, where it goes and which are HQ-only.
//
// A header cell is matched ignoring case, spaces, `_`, `-`, a leading `*` (required marker) and a
// bracketed note ("余额(元)", "手机号（必填）"). Money under an English `…Fen` name is in fen (whole
// numbers); under a Chinese header (余额, 累计消费, 累计充值) or the English `balance`,
// `cumulativeSpend`, `cumulativeTopUp` it is in yuan (up to 2 decimals), as old systems export it.

/** Where a column's value goes: the member record the kiosks get, the back office's profile, or the opening figures (member_openings). */
export type ColumnTarget = "record" | "profile" | "opening";
type Read = "text" | "whole" | "money" | "date" | "birthday" | "instant" | "gender" | "status" | "phone";

interface ColumnSpec {
  to: ColumnTarget;
  read: Read;
  /** Only HQ may fill it (a store manager's row with a value is refused, naming the column). */
  hqOnly?: boolean;
  /** Names whose values are in the column's own unit (fen for money). */
  names: readonly string[];
  /** Money only: names whose values are in yuan. */
  yuan?: readonly string[];
}

/** THE column table. */
export const IMPORT_COLUMNS = {
  memberId: { to: "record", read: "text", names: ["memberId", "会员编号", "会员号", "会员ID"] },
  cardId: { to: "record", read: "text", names: ["cardId", "卡号", "会员卡号", "卡面号"] },
  name: { to: "record", read: "text", names: ["name", "姓名", "会员姓名", "会员名称"] },
  levelId: { to: "record", read: "text", hqOnly: true, names: ["levelId", "level", "会员等级", "等级"] },
  cardClass: { to: "record", read: "text", hqOnly: true, names: ["cardClass", "会员类型", "卡类型", "卡类别", "会员卡类型"] },
  cardPublicKey: { to: "record", read: "text", names: ["cardPublicKey", "卡公钥"] },
  status: { to: "record", read: "status", names: ["status", "状态", "会员状态"] },
  pointsBalance: { to: "record", read: "whole", hqOnly: true, names: ["pointsBalance", "points", "积分", "当前积分", "可用积分", "剩余积分"] },
  balanceFen: { to: "record", read: "money", hqOnly: true, names: ["balanceFen"], yuan: ["balance", "余额", "储值余额", "卡内余额", "账户余额"] },
  vipExpiresAt: { to: "record", read: "instant", hqOnly: true, names: ["vipExpiresAt", "到期时间", "到期日期", "有效期至", "会员到期日期", "VIP到期时间"] },
  headshotHash: { to: "record", read: "text", names: ["headshotHash"] },
  birthday: { to: "record", read: "birthday", names: ["birthday", "生日"] },
  birthDate: { to: "profile", read: "date", names: ["birthDate", "出生日期", "出生年月日"] },
  phone: { to: "profile", read: "phone", names: ["phone", "mobile", "手机号", "手机", "手机号码", "联系手机"] },
  gender: { to: "profile", read: "gender", names: ["gender", "sex", "性别"] },
  cardIssuedOn: {
    to: "profile",
    read: "date",
    names: ["cardIssuedOn", "issuedOn", "开卡日期", "发卡日期", "办卡日期", "开卡时间", "发卡时间", "注册日期", "注册时间", "入会日期"],
  },
  cumulativeSpendFen: {
    to: "opening",
    read: "money",
    hqOnly: true,
    names: ["cumulativeSpendFen"],
    yuan: ["cumulativeSpend", "累计消费", "累计消费金额", "累计消费额", "消费总额"],
  },
  cumulativeTopUpFen: {
    to: "opening",
    read: "money",
    hqOnly: true,
    names: ["cumulativeTopUpFen"],
    yuan: ["cumulativeTopUp", "累计充值", "累计充值金额", "充值总额"],
  },
} as const satisfies Record<string, ColumnSpec>;

export type ImportField = keyof typeof IMPORT_COLUMNS;
export const IMPORT_FIELDS = Object.keys(IMPORT_COLUMNS) as ImportField[];
/** levelId and cardClass may be left out (the rules' defaults); without cardPublicKey the member activates the app later. */
export const REQUIRED_FIELDS: readonly ImportField[] = ["memberId", "cardId", "name"];
export const HQ_ONLY_FIELDS: readonly ImportField[] = IMPORT_FIELDS.filter((f) => (IMPORT_COLUMNS[f] as ColumnSpec).hqOnly === true);

export const normHeader = (s: string): string =>
  s
    .replace(/^\uFEFF/, "")
    .replace(/[(（[【][^)）\]】]*[)）\]】]/g, "")
    .replace(/^\*+/, "")
    .toLowerCase()
    .replace(/[\s_\-*]/g, "");

const BY_NAME = new Map<string, { field: ImportField; yuan: boolean }>();
for (const field of IMPORT_FIELDS) {
  const spec: ColumnSpec = IMPORT_COLUMNS[field];
  for (const n of spec.names) BY_NAME.set(normHeader(n), { field, yuan: false });
  for (const n of spec.yuan ?? []) BY_NAME.set(normHeader(n), { field, yuan: true });
}

/** The field a header cell names (and whether its money is in yuan), or undefined. */
export function columnOf(header: string): { field: ImportField; yuan: boolean } | undefined {
  return BY_NAME.get(normHeader(header));
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** A calendar day from the forms old systems write: 2019-03-01, 2019/3/1, 2019.3.1, 20190301, 2019年3月1日, with or without a time after it, or an Excel serial day (43525). */
export function parseDay(v: string): string | undefined {
  // An XLSX date cell read without styles is Excel's serial day number (days since 1899-12-30).
  const serial = /^(\d{5})(?:\.\d+)?$/.exec(v.trim());
  if (serial) return new Date(Date.UTC(1899, 11, 30) + Number(serial[1]) * 86_400_000).toISOString().slice(0, 10);
  const m = /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[ T].*)?$/.exec(v.trim());
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2] ?? m[4]);
  const d = Number(m[3] ?? m[5]);
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return `${y}-${pad(mo)}-${pad(d)}`;
}

/** Yuan with up to two decimals ("1,234.50", "¥12", "12元") in fen. */
function yuanToFen(v: string): number | undefined {
  const s = v.replace(/[,，¥￥\s]/g, "").replace(/元$/, "");
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return undefined;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] === "-" ? -fen : fen;
}

/** A whole number, also as old systems print it ("120.00"). */
function whole(v: string): number | undefined {
  const m = /^(-?\d+)(?:\.0+)?$/.exec(v.replace(/[,，\s]/g, ""));
  return m ? Number(m[1]) : undefined;
}

const GENDERS: Record<string, "female" | "male" | "other" | null> = {
  男: "male",
  male: "male",
  m: "male",
  先生: "male",
  女: "female",
  female: "female",
  f: "female",
  女士: "female",
  其他: "other",
  other: "other",
  未知: null,
  保密: null,
  unknown: null,
};
const STATUSES: Record<string, "active" | "blocked"> = {
  active: "active",
  正常: "active",
  启用: "active",
  有效: "active",
  blocked: "blocked",
  冻结: "blocked",
  停用: "blocked",
  禁用: "blocked",
  挂失: "blocked",
};

/**
 * One cell's value, read as its column says; a string is the message for a bad cell. `null` means
 * "no value" (gender 未知). Birthday gives `{birthday, birthDate?}`.
 */
export function readCell(field: ImportField, yuan: boolean, v: string): { value: unknown } | { error: string } {
  const spec: ColumnSpec = IMPORT_COLUMNS[field];
  switch (spec.read) {
    case "text":
      return { value: v };
    case "whole": {
      const n = whole(v);
      return n === undefined ? { error: `${field}: not a whole number` } : { value: n };
    }
    case "money": {
      const n = yuan ? yuanToFen(v) : whole(v);
      if (n === undefined) return { error: yuan ? `${field}: not an amount in yuan (up to 2 decimals)` : `${field}: not a whole number` };
      if (spec.to === "opening" && n < 0) return { error: `${field}: may not be negative` };
      return { value: n };
    }
    case "date": {
      const day = parseDay(v);
      return day ? { value: day } : { error: `${field}: not a date (2019-03-01, 2019/3/1, 20190301 or 2019年3月1日)` };
    }
    case "birthday": {
      const md = /^(\d{1,2})-(\d{1,2})$/.exec(v) ?? /^(\d{1,2})月(\d{1,2})日?$/.exec(v); // not 3/3: day and month order differ by place
      if (md) {
        const mo = Number(md[1]);
        const d = Number(md[2]);
        if (mo < 1 || mo > 12 || d < 1 || d > 31) return { error: `${field}: not a month and day` };
        return { value: { birthday: `${pad(mo)}-${pad(d)}` } };
      }
      const day = parseDay(v);
      return day ? { value: { birthday: day.slice(5), birthDate: day } } : { error: `${field}: not a birthday (MM-DD or a date)` };
    }
    case "instant": {
      let ms: number;
      if (/^\d{8}$/.test(v) || /^\d{5}(?:\.\d+)?$/.test(v)) ms = Date.parse(parseDay(v) ?? "");
      else if (/^\d+$/.test(v)) ms = Number(v);
      else {
        const day = parseDay(v);
        ms = Date.parse(day !== undefined && !/[ T]/.test(v) ? day : v);
      }
      return Number.isFinite(ms) ? { value: ms } : { error: `${field}: not a date (ISO 8601 or ms since epoch)` };
    }
    case "gender": {
      const g = GENDERS[v.toLowerCase()];
      return g === undefined ? { error: `${field}: say 男/女/其他 (male/female/other)` } : { value: g };
    }
    case "status": {
      const s = STATUSES[v.toLowerCase()];
      return s === undefined ? { error: `${field}: say 正常 (active) or 冻结 (blocked)` } : { value: s };
    }
    case "phone": {
      const p = v.replace(/[\s()-]/g, "");
      return /^\+?[0-9]{6,15}$/.test(p) ? { value: p } : { error: `${field}: not a phone number (digits, optional leading +)` };
    }
  }
}
