// Sign-in, first-admin setup and sign-in link screens: zh-CN and English side by side.
export const S = {
  title: ["会员管理后台", "Member console"],
  signIn: ["登录", "Sign in"],
  userId: ["用户名", "User name"],
  password: ["密码", "Password"],
  passwordAgain: ["再次输入密码", "Password again"],
  passwordsDiffer: ["两次输入的密码不一致", "The passwords differ"],
  passwordRule: ["至少 10 个字符", "At least 10 characters"],
  required: ["必填", "Required"],
  setupTitle: ["创建第一个总部管理员", "Create the first HQ administrator"],
  setupHint: [
    "此链接只能使用一次。创建后请用新账号登录；没有默认密码。",
    "This link works once. There is no default password: the account you create here is the first administrator.",
  ],
  name: ["姓名", "Name"],
  create: ["创建并登录", "Create and sign in"],
  linkSigningIn: ["正在使用一次性链接登录…", "Signing in with the one-time link…"],
  toSignIn: ["用密码登录", "Sign in with a password"],
  setupNeeded: [
    "尚未创建管理员。请使用服务端启动时打印的一次性初始化链接。",
    "No administrator yet. Open the one-time setup link the hub printed when it started.",
  ],
  lang: ["English", "中文"],
} as const;
