// HQ's liabilities now: stored value owed (principal, bonus), points and the yearly clear, coupons held, per home store; CSV per table.
import { useEffect, useMemo, useState } from "react";
import { App as AntApp, Button, Card, Col, Row, Space, Statistic, Table } from "antd";
import { DownloadOutlined } from "@ant-design/icons";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { errorWords } from "../shared/errors";
import { yuan } from "../shared/format";
import { useLang, useT } from "../shared/i18n";
import { Chart, type ChartOption } from "./Chart";
import { downloadCsv } from "./csv";
import { S } from "./strings";

type Answer = operations["getReportsLiabilities"]["responses"][200]["content"]["application/json"];

export function Liabilities() {
  const t = useT(S);
  const lang = useLang();
  const { message } = AntApp.useApp();
  const [data, setData] = useState<Answer | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    void api.GET("/bo/reports/liabilities").then((r) => {
      setData(r.data);
      setError(r.error);
    });
  }, []);
  const csv = (table: "stores" | "coupons") =>
    void downloadCsv("/bo/reports/liabilities", { table }).catch((e: unknown) => message.error(t("csvFailed", { text: errorWords(e, lang).text }), 6));
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "item" },
      legend: { top: 0 },
      series: [
        {
          type: "pie",
          radius: ["40%", "70%"],
          data: [
            { name: t("principal"), value: (data?.totals.principalFen ?? 0) / 100 },
            { name: t("bonus"), value: (data?.totals.bonusFen ?? 0) / 100 },
          ],
        },
      ],
    }),
    [data, t],
  );
  const c = data?.yearlyClear;
  return (
    <div data-testid="liabilities">
      <ErrorNote error={error} />
      {data && (
        <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
          <Col xs={12} md={6}>
            <Statistic title={t("storedValue")} value={yuan(data.totals.storedValueFen)} data-testid="liab-stored" />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={`${t("principal")} / ${t("bonus")}`} value={`${yuan(data.totals.principalFen)} / ${yuan(data.totals.bonusFen)}`} />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t("points")} value={data.totals.pointsOutstanding} data-testid="liab-points" />
          </Col>
          <Col xs={12} md={6}>
            <Statistic title={t("coupons")} value={data.totals.couponsOutstanding} />
          </Col>
          <Col span={24}>
            <Card size="small" title={t("clear")} data-testid="liab-clear">
              {c?.enabled && c.clearOn
                ? `${t("clearWould", { date: c.clearOn, points: c.wouldRemovePoints })}${c.willClear ? "" : ` ${t("clearNotConfirmed")}`}`
                : t("clearOff")}
            </Card>
          </Col>
        </Row>
      )}
      <Row gutter={12}>
        <Col xs={24} md={8}>
          <Card size="small">
            <Chart option={option} height={260} testId="liab-chart" />
          </Card>
        </Col>
        <Col xs={24} md={16}>
          <Space style={{ marginBottom: 8 }}>
            <Button icon={<DownloadOutlined />} onClick={() => csv("stores")} data-testid="liab-csv">
              {t("csv")}
            </Button>
          </Space>
          <Table
            size="small"
            rowKey={(r) => r.storeId ?? "-"}
            pagination={false}
            dataSource={data?.byStore ?? []}
            columns={[
              { title: t("homeStore"), dataIndex: "storeId", render: (v: string | null) => v ?? t("noStore") },
              { title: t("members"), dataIndex: "members" },
              { title: t("storedValue"), dataIndex: "storedValueFen", render: (v: number) => yuan(v) },
              { title: t("principal"), dataIndex: "principalFen", render: (v: number) => yuan(v) },
              { title: t("bonus"), dataIndex: "bonusFen", render: (v: number) => yuan(v) },
              { title: t("points"), dataIndex: "pointsOutstanding" },
              { title: t("coupons"), dataIndex: "couponsOutstanding" },
            ]}
          />
        </Col>
      </Row>
      <Card
        size="small"
        title={t("coupons")}
        style={{ marginTop: 12 }}
        extra={
          <Button size="small" icon={<DownloadOutlined />} onClick={() => csv("coupons")}>
            {t("csv")}
          </Button>
        }
      >
        <Table
          size="small"
          rowKey="couponId"
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          dataSource={data?.coupons ?? []}
          columns={[
            { title: t("coupon"), dataIndex: "couponId" },
            { title: t("count"), dataIndex: "count" },
            { title: t("firstExpiry"), dataIndex: "firstExpiry" },
          ]}
        />
      </Card>
    </div>
  );
}
