// Top-up and VIP records by store-local period (the seed's filters: period, dates, store; VIP also card class), and portrait / segment counts; each with CSV.
import { useCallback, useEffect, useMemo, useState } from "react";
import { App as AntApp, Button, Card, Input, Table } from "antd";
import { api } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { errorWords } from "../shared/errors";
import { yuan } from "../shared/format";
import { useLang, useT } from "../shared/i18n";
import { Chart } from "./Chart";
import { downloadCsv } from "./csv";
import { Filters, defaultFilter, type ReportFilter } from "./Filters";
import { S } from "./strings";

type Rec = Record<string, string | number>;
const money = (v: number) => yuan(v);

function useCsv() {
  const t = useT(S);
  const lang = useLang();
  const { message } = AntApp.useApp();
  return (path: string, q: Record<string, string | undefined>) =>
    void downloadCsv(path, q).catch((e: unknown) => message.error(t("csvFailed", { text: errorWords(e, lang).text }), 6));
}

export function PeriodTable({ kind }: { kind: "top-ups" | "vip" }) {
  const t = useT(S);
  const csv = useCsv();
  const [filter, setFilter] = useState<ReportFilter>(() => ({ ...defaultFilter(), period: "month" }));
  const [classId, setClassId] = useState("");
  const [rows, setRows] = useState<Rec[]>([]);
  const [error, setError] = useState<unknown>();
  const query = useMemo(() => ({ period: filter.period, from: filter.from, to: filter.to, ...(filter.storeId ? { storeId: filter.storeId } : {}) }), [filter]);
  const vipQuery = useMemo(() => ({ ...query, ...(classId ? { classId } : {}) }), [query, classId]);
  const run = useCallback(async () => {
    const r = kind === "vip" ? await api.GET("/bo/reports/vip", { params: { query: vipQuery } }) : await api.GET("/bo/reports/top-ups", { params: { query } });
    setError(r.error);
    setRows(((r.data as { rows?: Rec[] } | undefined)?.rows ?? []) as Rec[]);
  }, [kind, query, vipQuery]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once with the default filter; afterwards on the Run button
  useEffect(() => {
    void run();
  }, []);
  const columns =
    kind === "vip"
      ? [
          { title: t("period"), dataIndex: "period" },
          { title: t("kind"), dataIndex: "kind" },
          { title: t("count"), dataIndex: "count" },
          { title: t("fee"), dataIndex: "feeFen", render: money },
        ]
      : [
          { title: t("period"), dataIndex: "period" },
          { title: t("count"), dataIndex: "count" },
          { title: t("members"), dataIndex: "members" },
          { title: t("amount"), dataIndex: "amountFen", render: money },
          { title: t("principal"), dataIndex: "principalFen", render: money },
          { title: t("bonus"), dataIndex: "bonusFen", render: money },
          { title: t("pointsEarned"), dataIndex: "points" },
          { title: t("refunded"), dataIndex: "refundedPrincipalFen", render: money },
        ];
  return (
    <div data-testid={`${kind}-report`}>
      <Filters
        prefix={kind}
        value={filter}
        onChange={setFilter}
        onRun={() => void run()}
        onCsv={() => csv(`/bo/reports/${kind}`, kind === "vip" ? vipQuery : query)}
        extra={
          kind === "vip" ? (
            <Input style={{ width: 130 }} placeholder={t("classId")} value={classId} onChange={(e) => setClassId(e.target.value.trim())} />
          ) : undefined
        }
      />
      <ErrorNote error={error} />
      <Table
        size="small"
        rowKey={(r) => `${r.period}|${r.kind ?? ""}`}
        dataSource={rows}
        columns={columns}
        pagination={{ pageSize: 31, hideOnSinglePage: true }}
      />
    </div>
  );
}

export function Portraits() {
  const t = useT(S);
  const csv = useCsv();
  const [data, setData] = useState<{ computedOn: string | null; frequency: Record<string, number>; tags: Record<string, number> } | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    void api.GET("/bo/segments/portraits", { params: { query: {} } }).then((r) => {
      setError(r.error);
      setData(r.data as typeof data);
    });
  }, []);
  const rows = [
    ...Object.entries(data?.frequency ?? {}).map(([name, n]) => ({ kind: t("portrait"), name, n })),
    ...Object.entries(data?.tags ?? {}).map(([name, n]) => ({ kind: t("tag"), name, n })),
  ];
  return (
    <div data-testid="portraits-report">
      <ErrorNote error={error} />
      <Card
        size="small"
        title={data?.computedOn ? t("computedOn", { day: data.computedOn }) : t("portraits")}
        extra={
          <Button size="small" onClick={() => csv("/bo/segments/portraits", {})} data-testid="portraits-csv">
            {t("csv")}
          </Button>
        }
      >
        <Chart
          height={240}
          option={{
            tooltip: {},
            grid: { left: 100, right: 20, top: 10, bottom: 20 },
            xAxis: { type: "value" },
            yAxis: { type: "category", data: rows.map((r) => r.name) },
            series: [{ type: "bar", data: rows.map((r) => r.n) }],
          }}
        />
        <Table
          size="small"
          rowKey={(r) => `${r.kind}|${r.name}`}
          pagination={false}
          dataSource={rows}
          columns={[
            { title: t("kind"), dataIndex: "kind" },
            { title: t("portrait"), dataIndex: "name" },
            { title: t("members"), dataIndex: "n" },
          ]}
        />
      </Card>
    </div>
  );
}
