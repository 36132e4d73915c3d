// The app's words, zh-CN first with English; every refusal says what happened and what to do next.
import { useSyncExternalStore } from "react";

export type Lang = "zh" | "en";
type Words = Record<string, [zh: string, en: string]>;

const W = {
  appName: ["会员码", "Member card"],
  langSwitch: ["English", "中文"],
  loading: ["正在加载…", "Loading…"],
  offline: ["离线：会员码仍可使用", "Offline: your code still works"],
  showCode: ["会员码", "Code"],
  centre: ["会员中心", "Account"],
  headshot: ["头像", "Photo"],
  family: ["副卡", "Family cards"],
  brightness: ["请调高屏幕亮度，将二维码对准扫码口", "Turn the screen brightness up and hold the code to the scanner"],
  refreshIn: ["{s} 秒后自动刷新", "Refreshes in {s} s"],
  validFor: ["每个码 {s} 秒内有效，截图无效", "Each code is valid {s} s; a screenshot will not work"],
  cardNo: ["卡号", "Card no."],
  codeText: ["会员码文字（扫码枪无法识别时给店员）", "Code as text (for staff when the scanner cannot read it)"],
  vipUntil: ["会员有效期至 {d}", "Membership until {d}"],
  extractable: [
    "此浏览器不支持安全密钥存储：密钥保存在本机但可被导出，请勿在他人设备上使用。",
    "This browser cannot keep the key sealed: it is stored on this phone but could be exported. Do not use a shared device.",
  ],
  welcomeTitle: ["欢迎使用会员码", "Welcome"],
  welcomeCounter: [
    "已是会员？请到服务台出示手机，扫描店员提供的激活二维码。",
    "Already a member? Ask at the service desk for your activation QR code and scan it.",
  ],
  welcomeJoin: ["新会员：用手机号注册", "New member: join with your phone number"],
  phone: ["手机号", "Phone number"],
  sendCode: ["获取验证码", "Send code"],
  code6: ["6位验证码", "6-digit code"],
  yourName: ["姓名", "Your name"],
  verify: ["注册并激活", "Join and activate"],
  codeSent: ["验证码已发送至 {p}", "Code sent to {p}"],
  noStore: ["请扫描门店海报上的注册二维码后再注册。", "Scan the sign-up QR code on the store's poster to join."],
  activating: ["正在激活，请稍候…", "Activating, please wait…"],
  activated: ["激活成功", "Activated"],
  shareTitle: ["激活副卡", "Activate a family card"],
  shareActivate: ["激活", "Activate"],
  points: ["积分", "Points"],
  balance: ["储值余额", "Stored value"],
  principal: ["本金", "Principal"],
  bonus: ["赠送", "Bonus"],
  coupons: ["优惠券", "Coupons"],
  noCoupons: ["暂无优惠券", "No coupons"],
  expires: ["{d} 到期", "Expires {d}"],
  level: ["等级", "Level"],
  benefits: ["等级权益", "Level benefits"],
  vipPlans: ["付费会员方案（请到服务台购买）", "Paid membership plans (buy at the service desk)"],
  days: ["{n} 天", "{n} days"],
  history: ["明细", "History"],
  purchases: ["购物记录", "Purchases"],
  noPurchases: ["暂无购物记录", "No purchases yet"],
  receipt: ["电子小票", "E-receipt"],
  back: ["返回", "Back"],
  yearlyWarn: ["积分将于 {d} 清零，请尽快使用。", "Your points will be cleared on {d}: use them before then."],
  plusActive: ["PLUS 会员至 {d}", "PLUS until {d}"],
  headshotUpload: ["上传头像：请拍摄正面免冠照片，店员核验时使用。", "Upload a photo of your face: staff use it to check the card."],
  headshotReplace: ["今天上传的头像可在今天内更换，明天起锁定。", "You can replace today's photo until midnight; it locks from tomorrow."],
  headshotLocked: [
    "头像已锁定，如需更换请到服务台由店员删除后重新上传。",
    "Your photo is locked: ask at the service desk to delete it, then upload a new one.",
  ],
  takePhoto: ["拍照 / 选择照片", "Take or choose a photo"],
  uploaded: ["头像已上传", "Photo uploaded"],
  familyNone: ["只有付费会员（VIP）可以创建副卡。", "Only VIP members can create family cards."],
  familyCreate: ["创建副卡", "Create a family card"],
  familyShare: ["请让家人用手机扫描此二维码激活（仅显示一次）", "Let your family member scan this QR to activate (shown once)"],
  familyCancel: ["注销", "Cancel card"],
  familyLimit: ["已有 {n} / {m} 张副卡", "{n} of {m} family cards"],
  state_pending: ["待激活", "Waiting for activation"],
  state_active: ["已激活", "Active"],
  state_cancelled: ["已注销", "Cancelled"],
  confirmCancel: ["确定注销这张副卡？注销后无法恢复。", "Cancel this family card? This cannot be undone."],
  retry: ["重试", "Try again"],
  needHttps: ["请通过 https 打开会员码页面（当前连接不安全，无法保存密钥）。", "Open the member app over https: this connection cannot keep the key safe."],
  signOut: ["在本机移除会员卡", "Remove the card from this phone"],
  confirmSignOut: ["移除后需要重新激活才能使用会员码，确定？", "You will need a new activation to show codes again. Remove?"],
} satisfies Words;

export type Key = keyof typeof W;

/** A refusal in words, with the next step. */
const REASONS: Words = {
  OFFLINE: ["网络不可用，请连接网络后重试。", "No network: connect and try again."],
  TIMEOUT: [
    "服务器没有响应，请稍后重试；如果一直这样，请到服务台咨询。",
    "The service did not answer: try again in a moment, or ask at the service desk if it keeps happening.",
  ],
  ACTIVATION_USED: ["此激活码已使用过。请到服务台重新获取激活二维码。", "This activation code was already used. Ask at the service desk for a new one."],
  ACTIVATION_EXPIRED: ["此激活码已过期。请到服务台重新获取激活二维码。", "This activation code has expired. Ask at the service desk for a new one."],
  ACTIVATION_UNKNOWN: [
    "激活码无效。请确认扫描的是店员提供的二维码，或到服务台重新获取。",
    "This activation code is not valid. Scan the code staff gave you, or ask for a new one.",
  ],
  RATE_LIMITED: ["尝试次数过多，请稍后再试。", "Too many tries: please wait a few minutes and try again."],
  MEMBER_BLOCKED: ["会员卡已停用，请到服务台咨询。", "This card is blocked: please ask at the service desk."],
  PROOF_STALE: ["手机时间与门店相差太大，请打开“自动设置时间”后重试。", "Your phone's clock is off: turn on automatic time and try again."],
  PROOF_UNKNOWN_CARD: [
    "这台手机上的会员卡已失效（可能已在服务台挂失）。请重新激活。",
    "The card on this phone no longer works (it may have been revoked). Activate again.",
  ],
  PROOF_BAD_SIGNATURE: ["会员卡密钥不匹配，请重新激活。", "This phone's key no longer matches the card: activate again."],
  PROOF_REPLAYED: ["请求重复，请重试。", "Duplicate request: try again."],
  OTP_WRONG: ["验证码不正确，请检查后重新输入。", "The code is not right: check it and type it again."],
  OTP_EXPIRED: ["验证码已过期，请重新获取。", "The code has expired: ask for a new one."],
  OTP_UNKNOWN: ["请先获取验证码。", "Ask for a code first."],
  OTP_TOO_MANY_TRIES: ["错误次数过多，请重新获取验证码。", "Too many wrong codes: ask for a new one."],
  NAME_REQUIRED: ["新会员请填写姓名后再提交。", "New member: type your name, then submit."],
  SENDER_UNAVAILABLE: ["短信暂时无法发送，请稍后再试或到服务台办理。", "Messages cannot be sent right now: try later or ask at the service desk."],
  HEADSHOT_LOCKED: ["头像已锁定，请到服务台由店员删除后重新上传。", "Your photo is locked: ask at the service desk to delete it first."],
  NOT_VIP: ["只有付费会员（VIP）可以创建副卡。", "Only VIP members can create family cards."],
  IS_SECONDARY: ["副卡不能再创建副卡。", "A family card cannot create family cards."],
  LIMIT_REACHED: ["副卡数量已达上限。", "You have the most family cards allowed."],
  PAYMENT_REQUIRED: ["副卡需付费，请到服务台办理。", "Family cards cost a fee here: please create it at the service desk."],
  SHARE_CODE_EXPIRED: ["副卡邀请已过期，请让主卡会员重新创建。", "This invitation has expired: ask the card holder for a new one."],
  ALREADY_ACTIVE: ["此副卡已被激活。", "This family card is already activated."],
  CANCELLED: ["此副卡已注销。", "This family card was cancelled."],
  PRIMARY_NOT_VIP: ["主卡会员已不是付费会员，副卡无法激活。", "The main card is no longer VIP, so this card cannot be activated."],
  TOO_LARGE: ["照片太大，请换一张。", "The photo is too large: choose another one."],
  UNSUPPORTED_MEDIA_TYPE: ["请上传 JPEG 或 PNG 照片。", "Please upload a JPEG or PNG photo."],
};

let lang: Lang = localStorage.getItem("lang") === "en" ? "en" : "zh";
const listeners = new Set<() => void>();

export function setLang(l: Lang): void {
  lang = l;
  localStorage.setItem("lang", l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
  for (const f of listeners) f();
}

export function useLang(): Lang {
  return useSyncExternalStore(
    (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    () => lang,
  );
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const pair = W[key];
  let s = lang === "zh" ? pair[0] : pair[1];
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

/** Words for a hub refusal: what happened and what to do; the code in small type for staff. */
export function refusal(err: { error: string; reason?: string; message: string }): { text: string; code: string } {
  const pair = (err.reason && REASONS[err.reason]) || REASONS[err.error];
  const text = pair
    ? lang === "zh"
      ? pair[0]
      : pair[1]
    : lang === "zh"
      ? "操作未成功，请稍后重试或到服务台咨询。"
      : "That did not work: try again later or ask at the service desk.";
  return { text, code: err.reason ?? err.error };
}

export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  return `${sign}¥${(Math.abs(fen) / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Store time (UTC+8) as YYYY-MM-DD HH:mm. */
export function when(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");
}

export function day(ms: number): string {
  return when(ms).slice(0, 10);
}
