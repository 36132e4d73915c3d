// What every refusal and notice code (and session state) means to the person at the screen: zh-CN first, English second, and the next step.
// Plain JS (no build step): the customer display and the staff page import it; test/kiosk-screens.test.ts checks every code has words.

/** code -> [中文, English]; each says what happened and what to do next. */
export const WORDS = {
  // Checkout refusals (device/session/types.ts CheckoutRefusal)
  NO_CONFIG: ["设备正在启动，请稍候或呼叫店员", "The kiosk is starting: please wait or call staff"],
  CODE_INVALID: ["会员码无效，请在App刷新会员码后重试", "Member code not valid: refresh it in the app and try again"],
  MEMBER_UNKNOWN: ["未找到该会员，请到服务台办理", "Member not found: please ask at the service desk"],
  MEMBER_BLOCKED: ["该会员卡已停用，请到服务台咨询", "This card is blocked: please ask at the service desk"],
  CARD_EXPIRED: ["会员卡已过期，请到服务台续期", "Member card expired: renew it at the service desk"],
  MEMBER_FIRST: ["请先出示会员码，再扫描商品", "Show your member code first, then scan items"],
  UNKNOWN_PRODUCT: ["未找到该商品，请呼叫店员", "Product not found: please call staff"],
  SCALE_LABEL_INVALID: ["称重标签无法识别，请重新扫描或呼叫店员", "Scale label not readable: scan it again or call staff"],
  PICK_NOT_OFFERED: ["此商品不能在屏幕上选择，请扫描条码或呼叫店员", "This item cannot be picked here: scan its barcode or call staff"],
  PAID_MEMBERS_ONLY: ["该商品仅限付费会员购买，请到服务台开通或续费", "Paid members only: join or renew at the service desk"],
  UNRECOGNISED_CODE: ["无法识别此条码，请扫描商品条码或会员码", "Code not recognised: scan a product barcode or your member code"],
  EMPTY_CART: ["购物车为空，请先扫描商品", "Your cart is empty: scan an item first"],
  NOT_SHOPPING: ["当前没有进行中的结账，请出示会员码开始", "No checkout in progress: show your member code to start"],
  BALANCE_DECLINED: ["储值支付未通过，请改用银行卡或到收银台付款", "Stored-value payment declined: pay by card or at the counter"],
  BALANCE_INSUFFICIENT: ["储值余额不足，请选择“储值+银行卡”或改用银行卡", "Not enough stored value: choose stored value + card, or pay by card"],
  POINTS_DECLINED: ["积分抵现未通过，请取消积分抵现后再付款", "Points payment declined: turn off points and pay again"],
  SHOPPING_CARD_DECLINED: [
    "购物卡支付未通过（卡内余额不足），请改用其他支付方式",
    "Shopping-card payment declined (not enough on the card): choose another way to pay",
  ],
  SHOPPING_CARD_INSUFFICIENT: ["购物卡余额不足，请改用储值或银行卡", "Not enough on the shopping card: pay with stored value or a bank card"],
  SHOPPING_CARD_UNKNOWN: ["未找到这张购物卡，请呼叫店员", "This shopping card was not found: please call staff"],
  OFFLINE_LIMIT: ["网络中断，本次金额超出离线限额，请用银行卡或到收银台付款", "Offline and over the offline limit: pay by card or at the counter"],
  SESSION_BUSY: ["正在为其他顾客结账，请稍候", "Another checkout is in progress: please wait"],
  VERIFICATION_PENDING: ["请稍候，店员正在核验", "Please wait: staff are checking your photo"],
  LINE_NOT_FOUND: ["该商品已不在购物车中", "That item is no longer in the cart"],
  QTY_INVALID: ["数量无效，请重新选择", "Quantity not valid: please choose again"],
  GATE_MODE: ["这里是入口，请出示会员码入场", "This is the entrance: show your member code"],
  RETURN_IN_PROGRESS: ["店员正在办理退货，请稍候", "Staff are doing a return: please wait"],
  STORAGE_UNAVAILABLE: ["设备暂时无法记录交易，请呼叫店员", "The kiosk cannot record sales right now: please call staff"],
  CLOCK_UNSYNCHRONISED: ["设备时间未同步，无法验证会员码，请呼叫店员", "The kiosk clock is not synchronised: please call staff"],
  // Member code reasons (under CODE_INVALID)
  CODE_EXPIRED: ["会员码已过期，请在App刷新", "Code expired: refresh it in the app"],
  CODE_FROM_FUTURE: ["会员码时间异常，请检查手机时间后刷新", "Code time is ahead: check your phone's clock and refresh"],
  CODE_REPLAYED: ["此会员码已使用，请在App刷新", "Code already used: refresh it in the app"],
  CODE_BAD_SIGNATURE: ["会员码无法验证，请在App刷新或呼叫店员", "Code could not be verified: refresh it in the app or call staff"],
  CODE_MALFORMED: ["无法读取会员码，请将手机屏幕调亮后重试", "Code unreadable: turn up your screen brightness and try again"],
  CODE_UNKNOWN_CARD: ["未找到该会员卡，请到服务台办理", "Card not found: please ask at the service desk"],
  // Scale label reasons (under SCALE_LABEL_INVALID; device/session/cart.ts)
  SCALE_BAD_CHECK_DIGIT: ["称重标签读取有误，请重新扫描", "Scale label misread: scan it again"],
  SCALE_BAD_PRICE_CHECK_DIGIT: ["称重标签价格校验不符，请重新扫描或呼叫店员", "The label's price does not check out: scan again or call staff"],
  SCALE_UNKNOWN_PLU: ["此称重商品不在本店清单中，请呼叫店员", "This weighed item is not on the store's list: please call staff"],
  SCALE_ZERO_VALUE: ["称重标签没有价格或重量，请重新称重", "The label has no price or weight: weigh the item again"],
  // Returns (device/returns.ts ReturnErrorCode)
  RETURN_NOT_STARTED: ["请先在员工页点“开始退货”", "Start a return on the staff page first"],
  RETURN_BLOCKED: ["顾客正在使用设备，请等结账结束再退货", "A customer is using the kiosk: return after their checkout"],
  RECEIPT_UNKNOWN: ["不是本机的小票，请到服务台退货", "Not a receipt of this kiosk: return it at the service desk"],
  RECEIPT_OTHER_KIOSK: ["这张小票来自其他设备，请到该设备或服务台退货", "Receipt from another kiosk: return it there or at the service desk"],
  RETURN_WINDOW_PASSED: ["已超过退货期限，请到服务台咨询", "Past the return period: please ask at the service desk"],
  RETURN_INVALID: ["退货数量不对，请重新选择要退的商品和数量", "Return quantities are not right: choose the items and quantities again"],
  NOTHING_LEFT: ["这张小票的商品已全部退过", "Everything on this receipt was already returned"],
  // Staff (device/staff-auth.ts StaffErrorCode)
  STAFF_SIGNIN_FAILED: ["工号或密码不对，请重试", "Staff id or PIN is wrong: try again"],
  STAFF_LOCKED: ["尝试次数过多，请稍后再试或联系店长", "Too many attempts: wait a while or ask the store manager"],
  STAFF_AUTH_REQUIRED: ["请先登录", "Please sign in"],
  STAFF_FORBIDDEN: ["您没有此操作的权限，请联系店长", "You may not do this: ask the store manager"],
  STAFF_NONE_CONFIGURED: ["本店尚未设置员工账号，请联系总部", "No staff accounts are set up for this store: contact HQ"],
  // HTTP-level refusals (device/http.ts)
  INVALID_INPUT: ["输入有误，请检查后重试", "Something entered is not right: check and try again"],
  VERIFICATION_GONE: ["此核验已结束（超时、取消或已处理）", "This check has ended (timed out, cancelled or already decided)"],
  NO_HEADSHOT: ["本机没有该会员的头像，请核对证件", "No headshot on this kiosk: check the member's ID"],
  TOO_LARGE: ["内容太大，请缩小后重试", "Too large: make it smaller and try again"],
  UNSUPPORTED_MEDIA_TYPE: ["请求格式不对，请刷新页面", "Wrong request format: reload the page"],
  LOCAL_ONLY: ["此页面只能在本机使用", "This page works on the kiosk only"],
  NOT_FOUND: ["找不到，请刷新页面", "Not found: reload the page"],
  INTERNAL: ["设备出错了，请呼叫店员", "Something went wrong: please call staff"],
  NETWORK: ["连接中断，正在重连，请稍候", "Connection lost: reconnecting, please wait"],
};

/** { zh, en } for a code (the reason, e.g. CODE_EXPIRED under CODE_INVALID, when it has words of its own). */
export function words(code, reason) {
  const w = (reason && WORDS[reason]) || WORDS[code] || WORDS.INTERNAL;
  return { zh: w[0], en: w[1] };
}

/** A checkout session's state (the staff pages show it): [中文, English]. */
export const STATES = {
  idle: ["空闲", "Idle"],
  verifying: ["核验中", "Photo check"],
  shopping: ["购物中", "Shopping"],
  paying: ["支付中", "Paying"],
  done: ["已完成", "Done"],
  cancelled: ["已取消", "Cancelled"],
  "awaiting-receipt": ["等待扫描小票", "Waiting for the receipt"],
  selecting: ["选择退货商品", "Choosing items"],
};

/** { zh, en } for a state; an unknown state as it is (no English half). */
export function stateWords(state) {
  const w = STATES[state];
  return w ? { zh: w[0], en: w[1] } : { zh: state, en: "" };
}

/** One short tone (Web Audio; no sound file): high for OK, low and double for a refusal. */
export function beep(kind = "error") {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    beep.ctx = beep.ctx || new Ctx();
    const ctx = beep.ctx;
    const tones =
      kind === "ok"
        ? [[880, 0]]
        : kind === "ring"
          ? [
              [988, 0],
              [784, 0.2],
              [988, 0.4],
            ]
          : [
              [330, 0],
              [330, 0.22],
            ];
    for (const [hz, at] of tones) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = hz;
      g.gain.value = 0.2;
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + at);
      o.stop(ctx.currentTime + at + 0.15);
    }
    window.__beeps = (window.__beeps || 0) + 1;
  } catch {
    // No audio device: the words on screen still say it.
  }
}
