// The signed-in layout: side menu by role, header (store, language, user, sign-out), a scan anywhere opens the member, and the screen for the path.
import { useState } from "react";
import { App as AntApp, Grid, Layout, Menu, Result, Select, Space, Tag, Typography } from "antd";
import { BankOutlined, BarChartOutlined, DesktopOutlined, KeyOutlined, SettingOutlined, TeamOutlined, UserOutlined } from "@ant-design/icons";
import { api } from "../api/client";
import { errorWords } from "../shared/errors";
import { useLang, useT } from "../shared/i18n";
import { go } from "../shared/route";
import { useScanner } from "../shared/scanner";
import { isHq, isManager, useSession } from "../shared/session";
import { MemberSearch } from "../members/MemberSearch";
import { MemberPage } from "../members/MemberPage";
import { Users } from "../users/Users";
import { KioskStaff } from "../users/KioskStaff";
import { HqOverview } from "../hq/HqOverview";
import { ConfigPage } from "../config/ConfigPage";
import { ReportsPage } from "../reports/ReportsPage";
import { FleetPage } from "../fleet/FleetPage";
import { S } from "./strings";

export function Shell({ path, langSwitch }: { path: string[]; langSwitch: React.ReactNode }) {
  const t = useT(S);
  const lang = useLang();
  const s = useSession();
  const { message } = AntApp.useApp();
  const screens = Grid.useBreakpoint();
  const [collapsed, setCollapsed] = useState(false);

  useScanner((text) => {
    void (async () => {
      const hide = message.loading(t("scanning"), 0);
      const { data, error } = await api.GET("/bo/search/members", { params: { query: { q: text } } });
      hide();
      if (error) return void message.error(errorWords(error, lang).text, 6);
      if (data.members.length === 1) go(`members/${encodeURIComponent(data.members[0]!.memberId)}`);
      else void message.warning(t("scanNone"), 6);
    })();
  });

  const page = path[0] ?? "members";
  const items = [
    { key: "members", label: t("members"), icon: <UserOutlined />, "data-testid": "menu-members" },
    { key: "reports", label: lang === "zh" ? "报表" : "Reports", icon: <BarChartOutlined />, "data-testid": "menu-reports" },
    ...(isManager(s.user)
      ? [
          { key: "users", label: t("users"), icon: <TeamOutlined />, "data-testid": "menu-users" },
          { key: "kiosk-staff", label: t("kioskStaff"), icon: <KeyOutlined />, "data-testid": "menu-kiosk-staff" },
          { key: "fleet", label: lang === "zh" ? "自助机设备" : "Kiosks", icon: <DesktopOutlined />, "data-testid": "menu-fleet" },
        ]
      : []),
    ...(isHq(s.user) ? [{ key: "hq", label: t("hq"), icon: <BankOutlined />, "data-testid": "menu-hq" }] : []),
    ...(isHq(s.user) ? [{ key: "config", label: lang === "zh" ? "配置发布" : "Configuration", icon: <SettingOutlined />, "data-testid": "menu-config" }] : []),
  ];
  const allowed = new Set(items.map((i) => i.key));
  const forbidden = ["users", "kiosk-staff", "fleet", "hq", "config"].includes(page) && !allowed.has(page);

  let content: React.ReactNode;
  if (forbidden) content = <Result status="403" title="403" subTitle={t("forbidden")} data-testid="forbidden" />;
  else if (page === "members" && path[1]) content = <MemberPage key={path[1]} memberId={path[1]} />;
  else if (page === "members" || page === "signin" || page === "find") content = <MemberSearch initial={page === "find" ? path[1] : undefined} />;
  else if (page === "users") content = <Users />;
  else if (page === "reports") content = <ReportsPage />;
  else if (page === "kiosk-staff") content = <KioskStaff />;
  else if (page === "fleet") content = <FleetPage key={s.storeId} />;
  else if (page === "hq") content = <HqOverview />;
  else if (page === "config") content = <ConfigPage key={s.storeId} />;
  else content = <Result status="404" title="404" subTitle={t("notFound")} />;

  const roleColour = s.user.role === "hq-admin" ? "red" : s.user.role === "store-manager" ? "blue" : "green";
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={screens.md ? 64 : 0} collapsible collapsed={collapsed} onCollapse={setCollapsed} theme="dark" width={200}>
        <div style={{ color: "#fff", padding: "16px 16px 8px", fontWeight: 600, whiteSpace: "nowrap", overflow: "hidden" }}>
          {collapsed ? "会员" : t("brand")}
        </div>
        <Menu theme="dark" mode="inline" selectedKeys={[page === "find" ? "members" : page]} items={items} onClick={(e) => go(e.key)} data-testid="menu" />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            padding: "0 16px",
            display: "flex",
            alignItems: "center",
            justifyContent: "space-between",
            gap: 12,
            borderBottom: "1px solid #f0f0f0",
          }}
        >
          <Space wrap>
            <Typography.Text type="secondary">{t("store")}</Typography.Text>
            <Select
              size="small"
              style={{ minWidth: 120 }}
              value={s.storeId || undefined}
              options={s.stores.map((x) => ({ value: x, label: x }))}
              onChange={s.setStoreId}
              data-testid="store-select"
            />
            {screens.md && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t("scanHint")}
              </Typography.Text>
            )}
          </Space>
          <Space>
            {langSwitch}
            <Tag color={roleColour} data-testid="whoami">
              {s.user.name} · {s.user.role}
            </Tag>
            <Typography.Link onClick={s.signOut} data-testid="sign-out">
              {t("signOut")}
            </Typography.Link>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: screens.md ? 24 : 12 }}>{content}</Layout.Content>
      </Layout>
    </Layout>
  );
}
