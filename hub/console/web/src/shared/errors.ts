// Every error code the hub can answer, in words with the next step (zh-CN and English); the code follows in small type for staff.
import { isApiError } from "../api/client";
import type { Lang } from "./i18n";

type Words = readonly [string, string];

/** By `reason` first (finer), then by `error`. */
const REASONS: Record<string, Words> = {
  BAD_CREDENTIALS: [
    "用户名或密码不正确，请重试。连续输错 5 次将锁定 15 分钟。",
    "Wrong user name or password. Try again; 5 failures lock sign-in for 15 minutes.",
  ],
  SIGN_IN_LOCKED: [
    "登录失败次数过多，已锁定 15 分钟。请稍后再试，或请店长重置密码。",
    "Too many failed sign-ins: locked for 15 minutes. Try later, or ask a manager to reset your password.",
  ],
  SETUP_LINK_INVALID: ["初始化链接无效或已使用。请重启服务端获取新链接。", "This setup link is unknown, used or expired. Restart the hub to get a new one."],
  SETUP_DONE: ["管理员已创建，请直接登录。", "An administrator already exists: sign in."],
  SIGN_IN_LINK_INVALID: ["登录链接无效或已使用，请用密码登录。", "This sign-in link is unknown or used. Sign in with your password."],
  CSRF_CHECK_FAILED: ["页面已过期，请刷新后重试。", "This page is out of date. Reload it and try again."],
  CODE_EXPIRED: ["会员码已过期，请会员在App刷新后重新扫码。", "The member code expired: ask the member to refresh it in the app and scan again."],
  CODE_FROM_FUTURE: ["会员手机时间不准，请会员校准时间后刷新会员码。", "The member's phone clock is ahead: ask them to fix the time and refresh the code."],
  CODE_UNKNOWN_CARD: ["找不到此会员卡，请用手机号查找。", "No such card: search by phone number instead."],
  CODE_BAD_SIGNATURE: [
    "会员码无效（可能是截图或伪造），请会员打开App出示实时会员码。",
    "Invalid member code (a screenshot or forged): ask for the live code in the app.",
  ],
  CODE_MALFORMED: ["无法识别的会员码，请重新扫码或用手机号查找。", "Unreadable member code: scan again or search by phone."],
  INSUFFICIENT_BALANCE: ["储值余额不足，请换一种支付方式。", "Not enough stored value: choose another payment method."],
  INSUFFICIENT_POINTS: ["积分不足，扣减后不能为负。", "Not enough points: the balance cannot go below zero."],
  MEMBER_BLOCKED: ["该会员已冻结，请先解冻再办理。", "This member is blocked: unblock first."],
  ALREADY_BLOCKED: ["该会员已是冻结状态。", "The member is already blocked."],
  NOT_BLOCKED: ["该会员未冻结。", "The member is not blocked."],
  PRICE_CHANGED: ["价格已变化，请重新查看报价后再确认。", "The price changed: review the new quote and confirm again."],
  REFUND_TOO_LARGE: ["退款金额超过可退金额，请减少金额。", "The refund is more than can be refunded: lower the amount."],
  ALREADY_REFUNDED: ["这笔充值已全部退款。", "This top-up is already fully refunded."],
  IDEMPOTENCY_KEY_REUSED: [
    "这次操作的内容与之前不同，请关闭窗口重新办理。",
    "This operation differs from the first attempt: close the dialog and start again.",
  ],
  HEADSHOT_LOCKED: ["头像已锁定，次日起只能删除后重新上传。", "The headshot is locked: delete it, then upload again."],
  USER_INACTIVE: ["该用户已停用，请先启用。", "This user is deactivated: activate them first."],
  RULES_TOP_UP_NOT_ALLOWED: ["此金额不符合充值规则，请换一个金额或规则。", "This amount is not allowed by the top-up rules: choose another amount or rule."],
  RULES_UNKNOWN_TOP_UP_RULE: ["找不到该充值规则，请刷新后重选。", "Unknown top-up rule: reload and choose again."],
  RULES_VIP_NOT_ALLOWED: ["该会员不能购买此VIP方案，请换一个方案。", "This member cannot buy this VIP plan: choose another."],
  RULES_VIP_LIMIT_REACHED: ["该方案每位会员限购一次。", "This plan can be bought once per member."],
  RULES_UNKNOWN_PLAN: ["找不到该VIP方案，请刷新后重选。", "Unknown VIP plan: reload and choose again."],
};

const ERRORS: Record<string, Words> = {
  INVALID_INPUT: ["填写的内容有误，请检查后重试。", "Something in the form is not valid: check it and try again."],
  UNAUTHORIZED: ["登录已过期，请重新登录。", "Your session ended: sign in again."],
  FORBIDDEN: ["您的角色或门店无权进行此操作，请联系店长或总部。", "Your role or store may not do this: ask a manager or HQ."],
  NOT_FOUND: ["找不到该记录，请刷新后重试。", "Not found: reload and try again."],
  CONFLICT: [
    "与现有记录冲突（如会员号已被占用），请修改后重试。",
    "This conflicts with an existing record (e.g. a number already taken): change it and retry.",
  ],
  TOO_LARGE: ["文件太大，请压缩后重试。", "Too large: make it smaller and retry."],
  UNSUPPORTED_MEDIA_TYPE: ["文件格式不支持。", "This file type is not supported."],
  REFUSED: ["业务规则不允许此操作。", "A business rule does not allow this."],
  NO_CONFIG: ["门店尚未发布配置，请联系总部。", "The store has no published configuration yet: contact HQ."],
  INTERNAL: ["服务端出错，请稍后重试；若持续出现请联系总部。", "The hub failed: try again later; if it persists, contact HQ."],
  NETWORK: ["无法连接服务端，请检查网络后重试。", "Cannot reach the hub: check the network and retry."],
};

/** Words for an error answer (or a thrown network error) in the given language, with the code for staff. */
export function errorWords(err: unknown, lang: Lang): { text: string; code: string } {
  const i = lang === "zh" ? 0 : 1;
  if (isApiError(err)) {
    const words = (err.reason && REASONS[err.reason]) || ERRORS[err.error] || ERRORS.INTERNAL!;
    return { text: words[i], code: err.reason ? `${err.error} · ${err.reason}` : err.error };
  }
  return { text: ERRORS.NETWORK![i], code: "NETWORK" };
}
