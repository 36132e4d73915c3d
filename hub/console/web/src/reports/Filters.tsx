// The report filters every tab shares: period, store-local date range, store (and grouping for sales), run and CSV buttons.
import { Button, Input, Select, Space, Typography } from "antd";
import { DownloadOutlined } from "@ant-design/icons";
import { useT } from "../shared/i18n";
import { isHq, useSession } from "../shared/session";
import { S } from "./strings";

export type PeriodKind = "day" | "month" | "quarter" | "year";
export interface ReportFilter {
  period: PeriodKind;
  from: string;
  to: string;
  /** "" = every store the caller may see. */
  storeId: string;
}

const iso = (d: Date): string => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
export function defaultFilter(): ReportFilter {
  const now = new Date();
  return { period: "day", from: iso(new Date(now.getFullYear(), now.getMonth(), 1)), to: iso(now), storeId: "" };
}

export function Filters({
  value,
  onChange,
  onRun,
  onCsv,
  extra,
  prefix,
}: {
  value: ReportFilter;
  onChange: (f: ReportFilter) => void;
  onRun: () => void;
  onCsv?: () => void;
  extra?: React.ReactNode;
  prefix: string;
}) {
  const t = useT(S);
  const s = useSession();
  const stores = [{ value: "", label: isHq(s.user) ? t("allStores") : t("allStores") }, ...s.stores.map((x) => ({ value: x, label: x }))];
  return (
    <Space wrap align="center" style={{ marginBottom: 12 }}>
      <Typography.Text type="secondary">{t("period")}</Typography.Text>
      <Select
        style={{ width: 100 }}
        value={value.period}
        onChange={(period) => onChange({ ...value, period })}
        options={(["day", "month", "quarter", "year"] as const).map((p) => ({ value: p, label: t(p) }))}
        data-testid={`${prefix}-period`}
      />
      <Input
        type="date"
        style={{ width: 150 }}
        aria-label={t("from")}
        value={value.from}
        onChange={(e) => onChange({ ...value, from: e.target.value })}
        data-testid={`${prefix}-from`}
      />
      <span>–</span>
      <Input
        type="date"
        style={{ width: 150 }}
        aria-label={t("to")}
        value={value.to}
        onChange={(e) => onChange({ ...value, to: e.target.value })}
        data-testid={`${prefix}-to`}
      />
      <Typography.Text type="secondary">{t("store")}</Typography.Text>
      <Select
        style={{ minWidth: 130 }}
        value={value.storeId}
        onChange={(storeId) => onChange({ ...value, storeId })}
        options={stores}
        data-testid={`${prefix}-store`}
      />
      {extra}
      <Button type="primary" onClick={onRun} data-testid={`${prefix}-run`}>
        {t("run")}
      </Button>
      {onCsv && (
        <Button icon={<DownloadOutlined />} onClick={onCsv} data-testid={`${prefix}-csv`}>
          {t("csv")}
        </Button>
      )}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t("localDates")}
      </Typography.Text>
    </Space>
  );
}
