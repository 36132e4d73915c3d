// The counter's search screen: one box (phone, name, member or card number, or a scanned code), paged results, and registration.
import { useEffect, useState } from "react";
import { Button, Card, Input, Space, Table, Tag, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { date, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { go } from "../shared/route";
import { RegisterDialog } from "../counter/RegisterDialog";
import { S } from "./strings";

type Found = operations["getSearchMembers"]["responses"][200]["content"]["application/json"];
const PAGE = 20;

export function MemberSearch({ initial }: { initial?: string | undefined }) {
  const t = useT(S);
  const [q, setQ] = useState(initial ?? "");
  const [asked, setAsked] = useState(initial ?? "");
  const [page, setPage] = useState(1);
  const [found, setFound] = useState<Found | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [registering, setRegistering] = useState(false);

  useEffect(() => {
    if (!asked) return;
    let live = true;
    setLoading(true);
    setError(undefined);
    void api.GET("/bo/search/members", { params: { query: { q: asked, limit: PAGE, offset: (page - 1) * PAGE } } }).then(({ data, error: e }) => {
      if (!live) return;
      setLoading(false);
      if (data) {
        setFound(data);
        if (data.matchedBy === "code" && data.members.length === 1) go(`members/${encodeURIComponent(data.members[0]!.memberId)}`);
      } else {
        setFound(undefined);
        setError(e);
      }
    });
    return () => {
      live = false;
    };
  }, [asked, page]);

  return (
    <Card
      title={t("search")}
      extra={
        <Button type="primary" onClick={() => setRegistering(true)} data-testid="register-open">
          {t("register")}
        </Button>
      }
    >
      <Space direction="vertical" style={{ width: "100%" }} size="middle">
        <Input.Search
          autoFocus
          allowClear
          size="large"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => {
            setPage(1);
            setAsked(v.trim());
          }}
          placeholder={t("searchPlaceholder")}
          enterButton={t("search")}
          maxLength={200}
          data-testid="member-search"
        />
        <ErrorNote error={error} />
        {found && (
          <Typography.Text type="secondary" data-testid="search-total">
            {found.totalCapped ? t("totalCapped", { n: found.total }) : t("total", { n: found.total })}
          </Typography.Text>
        )}
        <Table
          size="small"
          rowKey="memberId"
          loading={loading}
          dataSource={found?.members ?? []}
          locale={{ emptyText: asked ? t("empty") : " " }}
          onRow={(r) => ({ onClick: () => go(`members/${encodeURIComponent(r.memberId)}`), style: { cursor: "pointer" } })}
          pagination={{ current: page, pageSize: PAGE, total: found?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          scroll={{ x: 900 }}
          data-testid="search-results"
          columns={[
            { title: t("memberId"), dataIndex: "memberId" },
            { title: t("name"), dataIndex: "name" },
            { title: t("phone"), dataIndex: "phone", render: (v: string | null) => v ?? "—" },
            { title: t("level"), dataIndex: "levelId" },
            { title: t("cardClass"), dataIndex: "cardClass" },
            { title: t("vipUntil"), dataIndex: "vipExpiresAt", render: (v: number | null) => date(v) },
            { title: t("points"), dataIndex: "pointsBalance", align: "right" },
            { title: t("balance"), dataIndex: "balanceFen", align: "right", render: (v: number) => yuan(v) },
            {
              title: t("status"),
              dataIndex: "status",
              render: (v: string) => (v === "active" ? <Tag color="green">{t("active")}</Tag> : <Tag color="red">{t("blocked")}</Tag>),
            },
          ]}
        />
      </Space>
      {registering && <RegisterDialog onClose={() => setRegistering(false)} />}
    </Card>
  );
}
