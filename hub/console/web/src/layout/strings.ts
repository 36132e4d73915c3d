// The shell: menu, header, scanner messages.
export const S = {
  brand: ["会员管理后台", "Member console"],
  members: ["会员查询", "Members"],
  users: ["用户与员工", "Users & staff"],
  kioskStaff: ["自助机员工PIN", "Kiosk staff PINs"],
  hq: ["总部概览", "HQ overview"],
  store: ["门店", "Store"],
  signOut: ["退出登录", "Sign out"],
  forbidden: ["您的角色无权访问此页面。", "Your role may not open this page."],
  notFound: ["页面不存在。", "No such page."],
  scanning: ["正在识别会员码…", "Reading the member code…"],
  scanNone: ["没有找到此会员码对应的会员（可能不属于本店）。", "No member for this code (perhaps not in your stores)."],
  idle: ["{minutes} 分钟无操作将自动退出", "Signs out after {minutes} min idle"],
  scanHint: ["扫码枪随时可扫会员码", "Scan a member code at any time"],
} as const;
