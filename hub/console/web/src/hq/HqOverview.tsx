// HQ's page (hq-admin only): the chain's levels, back-office settings and scheduled jobs at a glance (editing comes with console part 2).
import { useEffect, useState } from "react";
import { Card, Descriptions, Space, Table } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { dateTime } from "../shared/format";
import { useLang } from "../shared/i18n";

type Levels = operations["getLevels"]["responses"][200]["content"]["application/json"];
type Jobs = operations["getJobs"]["responses"][200]["content"]["application/json"];

export function HqOverview() {
  const zh = useLang() === "zh";
  const [levels, setLevels] = useState<Levels | undefined>();
  const [jobs, setJobs] = useState<Jobs["jobs"]>([]);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    void api.GET("/bo/levels").then(({ data, error: e }) => (data ? setLevels(data) : setError(e)));
    void api.GET("/bo/jobs").then(({ data }) => setJobs(data?.jobs ?? []));
  }, []);
  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="hq-page">
      <ErrorNote error={error} />
      <Card title={zh ? "会员等级" : "Levels"}>
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={levels?.levels ?? []}
          columns={[
            { title: "id", dataIndex: "id" },
            { title: zh ? "名称" : "Name", dataIndex: "name" },
            { title: zh ? "折扣" : "Discount %", dataIndex: "discountPercent" },
          ]}
        />
      </Card>
      <Card title={zh ? "定时任务" : "Scheduled jobs"}>
        <Table
          size="small"
          rowKey={(r) => String(r.job)}
          pagination={false}
          dataSource={jobs}
          columns={[
            { title: zh ? "任务" : "Job", dataIndex: "job" },
            { title: zh ? "最近日期" : "Last day", dataIndex: "lastDay" },
            { title: zh ? "最近运行" : "Last run", dataIndex: "lastRunAt", render: (v: number | null) => dateTime(v) },
            { title: zh ? "错误" : "Error", dataIndex: "lastError" },
          ]}
        />
      </Card>
      <Descriptions size="small" bordered column={1}>
        <Descriptions.Item label={zh ? "配置编辑" : "Configuration"}>
          {zh ? "等级、规则和发布将在控制台第二部分提供；目前请用 hubctl。" : "Levels, rules and publishing come with console part 2; use hubctl for now."}
        </Descriptions.Item>
      </Descriptions>
    </Space>
  );
}
