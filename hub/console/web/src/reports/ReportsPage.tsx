// The Reports page: sales (chart, table, CSV), liabilities (HQ), top-up and VIP records, portraits and segments, as tabs.
import { Tabs, Typography } from "antd";
import { useT } from "../shared/i18n";
import { isHq, useSession } from "../shared/session";
import { Liabilities } from "./Liabilities";
import { PeriodTable, Portraits } from "./PeriodTables";
import { SalesReport } from "./SalesReport";
import { S } from "./strings";

export function ReportsPage() {
  const t = useT(S);
  const s = useSession();
  const items = [
    { key: "sales", label: t("sales"), children: <SalesReport /> },
    ...(isHq(s.user) ? [{ key: "liabilities", label: t("liabilities"), children: <Liabilities /> }] : []),
    { key: "top-ups", label: t("topUps"), children: <PeriodTable kind="top-ups" /> },
    { key: "vip", label: t("vip"), children: <PeriodTable kind="vip" /> },
    { key: "portraits", label: t("portraits"), children: <Portraits /> },
  ];
  return (
    <div data-testid="reports-page">
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t("title")}
      </Typography.Title>
      <Tabs items={items} destroyOnHidden data-testid="reports-tabs" />
    </div>
  );
}
