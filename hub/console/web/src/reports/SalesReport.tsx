// Sales by store-local period per chain, store or kiosk: totals, a chart of the payment split and net revenue (ECharts), the table, CSV.
import { useCallback, useEffect, useMemo, useState } from "react";
import { App as AntApp, Alert, Card, Col, Row, Select, Statistic, Table, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { errorWords } from "../shared/errors";
import { yuan } from "../shared/format";
import { useLang, useT } from "../shared/i18n";
import { Chart, type ChartOption } from "./Chart";
import { downloadCsv } from "./csv";
import { Filters, defaultFilter, type ReportFilter } from "./Filters";
import { S } from "./strings";

type Answer = operations["getReportsSales"]["responses"][200]["content"]["application/json"];
type SalesRow = Answer["rows"][number];
type GroupBy = "chain" | "store" | "kiosk";

export function SalesReport() {
  const t = useT(S);
  const lang = useLang();
  const { message } = AntApp.useApp();
  const [filter, setFilter] = useState<ReportFilter>(defaultFilter);
  const [groupBy, setGroupBy] = useState<GroupBy>("chain");
  const [data, setData] = useState<Answer | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const query = useMemo(
    () => ({ period: filter.period, from: filter.from, to: filter.to, groupBy, ...(filter.storeId ? { storeId: filter.storeId } : {}) }),
    [filter, groupBy],
  );

  const run = useCallback(async () => {
    setLoading(true);
    const r = await api.GET("/bo/reports/sales", { params: { query } });
    setLoading(false);
    setError(r.error);
    setData(r.data);
  }, [query]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once with the default filter; afterwards on the Run button
  useEffect(() => {
    void run();
  }, []);

  const csv = () => downloadCsv("/bo/reports/sales", query).catch((e: unknown) => message.error(t("csvFailed", { text: errorWords(e, lang).text }), 6));

  // The chart sums the rows of one period (per store / kiosk rows stack into the period).
  const option = useMemo<ChartOption>(() => {
    const periods = [...new Set((data?.rows ?? []).map((r) => r.period))];
    const sum = (f: keyof SalesRow) => periods.map((p) => (data?.rows ?? []).filter((r) => r.period === p).reduce((s, r) => s + Number(r[f]), 0) / 100);
    const bar = (name: string, f: keyof SalesRow) => ({ name, type: "bar", stack: "pay", data: sum(f) });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: periods },
      yAxis: { type: "value", name: "¥" },
      series: [
        bar(t("payCard"), "payCardFen"),
        bar(t("payStored"), "payStoredValueFen"),
        bar(t("payPoints"), "payPointsFen"),
        bar(t("payCounter"), "payCounterFen"),
        { name: t("net"), type: "line", data: sum("netRevenueFen") },
        { name: t("refunds"), type: "line", data: sum("returnRefundFen") },
      ],
    };
  }, [data, t]);

  const money = (v: number) => yuan(v);
  const columns = [
    { title: t("period"), dataIndex: "period", fixed: "left" as const },
    ...(groupBy !== "chain" ? [{ title: t("store"), dataIndex: "storeId" }] : []),
    ...(groupBy === "kiosk" ? [{ title: t("kiosk"), dataIndex: "deviceId" }] : []),
    { title: t("sales_"), dataIndex: "sales" },
    { title: t("revenue"), dataIndex: "revenueFen", render: money },
    { title: t("savings"), dataIndex: "memberSavingsFen", render: money },
    { title: t("couponCost"), dataIndex: "couponCostFen", render: money },
    { title: t("pointsEarned"), dataIndex: "pointsEarned" },
    { title: t("pointsSpent"), dataIndex: "pointsSpent" },
    { title: t("payCard"), dataIndex: "payCardFen", render: money },
    { title: t("payStored"), dataIndex: "payStoredValueFen", render: money },
    { title: t("payPoints"), dataIndex: "payPointsFen", render: money },
    { title: t("payCounter"), dataIndex: "payCounterFen", render: money },
    { title: t("returns"), dataIndex: "returns" },
    { title: t("refunds"), dataIndex: "returnRefundFen", render: money },
    { title: t("net"), dataIndex: "netRevenueFen", render: money },
  ];
  const totals = data?.totals;
  const open = (data?.openClaims ?? []).reduce((s, c) => ({ count: s.count + c.count, fen: s.fen + c.kioskShownFen }), { count: 0, fen: 0 });

  return (
    <div data-testid="sales-report">
      <Filters
        prefix="sales"
        value={filter}
        onChange={setFilter}
        onRun={() => void run()}
        onCsv={() => void csv()}
        extra={
          <Select
            style={{ width: 110 }}
            value={groupBy}
            onChange={setGroupBy}
            options={(["chain", "store", "kiosk"] as const).map((g) => ({ value: g, label: t(g) }))}
            data-testid="sales-group"
          />
        }
      />
      <ErrorNote error={error} />
      {totals && (
        <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
          <Col xs={12} md={6}>
            <Statistic title={t("revenue")} value={yuan(totals.revenueFen)} data-testid="total-revenue" />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t("net")} value={yuan(totals.netRevenueFen)} data-testid="total-net" />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t("sales_")} value={totals.sales} data-testid="total-sales" />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t("returns")} value={`${totals.returns} / ${yuan(totals.returnRefundFen)}`} data-testid="total-returns" />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t("openClaims")} value={`${open.count} / ${yuan(open.fen)}`} data-testid="total-open-claims" />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t("savings")} value={yuan(totals.memberSavingsFen)} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t("couponCost")} value={yuan(totals.couponCostFen)} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={`${t("pointsEarned")} / ${t("pointsSpent")}`} value={`${totals.pointsEarned} / ${totals.pointsSpent}`} />
          </Col>
        </Row>
      )}
      <Card size="small" style={{ marginBottom: 12 }}>
        <Chart option={option} testId="sales-chart" />
      </Card>
      {open.count > 0 && (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={`${t("openClaims")}: ${open.count}`} description={t("openClaimsNote")} />
      )}
      <Table<SalesRow>
        size="small"
        loading={loading}
        rowKey={(r) => `${r.period}|${r.storeId ?? ""}|${r.deviceId ?? ""}`}
        dataSource={data?.rows ?? []}
        columns={columns}
        scroll={{ x: true }}
        pagination={{ pageSize: 31, hideOnSinglePage: true }}
        locale={{ emptyText: t("noData") }}
        data-testid="sales-table"
        summary={() =>
          totals ? (
            <Table.Summary.Row data-testid="sales-total-row">
              <Table.Summary.Cell index={0} colSpan={1 + (groupBy !== "chain" ? 1 : 0) + (groupBy === "kiosk" ? 1 : 0)}>
                <Typography.Text strong>{t("total")}</Typography.Text>
              </Table.Summary.Cell>
              {columns.slice(1 + (groupBy !== "chain" ? 1 : 0) + (groupBy === "kiosk" ? 1 : 0)).map((c, i) => {
                const v = totals[c.dataIndex as keyof typeof totals] as number;
                return (
                  <Table.Summary.Cell key={c.dataIndex} index={i + 1}>
                    <Typography.Text strong data-testid={`sum-${c.dataIndex}`}>
                      {c.render ? c.render(v) : v}
                    </Typography.Text>
                  </Table.Summary.Cell>
                );
              })}
            </Table.Summary.Row>
          ) : null
        }
      />
    </div>
  );
}
