// The member page's lower half: points and stored-value ledgers, top-ups (refund for managers), coupons, purchases with receipts, PLUS purchases and renewals, secondary cards, headshot, audit trail.
import { useState } from "react";
import { App as AntApp, Button, Card, Empty, Image, Input, Modal, Table, Tabs, Tag, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { errorWords } from "../shared/errors";
import { dateTime, yuan } from "../shared/format";
import { useLang, useT } from "../shared/i18n";
import { isManager, useSession } from "../shared/session";
import { RefundDialog } from "../counter/RefundDialog";
import type { MemberView } from "./MemberPage";
import { S } from "./strings";
import { useLoad } from "../shared/useLoad";

type Json<O extends keyof operations> = operations[O] extends { responses: { 200: { content: { "application/json": infer T } } } } ? T : never;
type TopUp = Json<"getMembersIdTopUps">["topUps"][number];

function Ledger({ id, kind, version }: { id: string; kind: "points" | "balance"; version: number }) {
  const t = useT(S);
  const { data, error } = useLoad(() => api.GET("/bo/members/{id}/ledger", { params: { path: { id }, query: { kind, limit: 200 } } }), version);
  return (
    <>
      <ErrorNote error={error} />
      <Table
        size="small"
        rowKey="id"
        dataSource={data?.entries ?? []}
        pagination={{ pageSize: 10 }}
        data-testid={`ledger-${kind}`}
        columns={[
          { title: t("at"), dataIndex: "at", render: (v: number) => dateTime(v) },
          { title: t("reason"), dataIndex: "reason" },
          { title: t("ref"), dataIndex: "ref", ellipsis: true },
          ...(kind === "points"
            ? [{ title: t("change"), dataIndex: "points", align: "right" as const, render: (v: number) => (v > 0 ? `+${v}` : String(v)) }]
            : [
                { title: t("change"), dataIndex: "totalFen", align: "right" as const, render: (v: number) => yuan(v) },
                { title: t("principal"), dataIndex: "principalFen", align: "right" as const, render: (v: number) => yuan(v) },
                { title: t("bonus"), dataIndex: "bonusFen", align: "right" as const, render: (v: number) => yuan(v) },
              ]),
        ]}
      />
    </>
  );
}

function TopUps({ id, version, onChanged }: { id: string; version: number; onChanged: () => void }) {
  const t = useT(S);
  const s = useSession();
  const [refunding, setRefunding] = useState<TopUp | undefined>();
  const { data, error } = useLoad(() => api.GET("/bo/members/{id}/top-ups", { params: { path: { id } } }), version);
  return (
    <>
      <ErrorNote error={error} />
      <Table
        size="small"
        rowKey="topUpId"
        dataSource={data?.topUps ?? []}
        pagination={{ pageSize: 10 }}
        data-testid="top-ups"
        columns={[
          { title: t("at"), dataIndex: "at", render: (v: number) => dateTime(v) },
          { title: t("store"), dataIndex: "storeId" },
          { title: t("amount"), dataIndex: "amountFen", align: "right", render: (v: number) => yuan(v) },
          {
            title: t("bonus"),
            dataIndex: "bonusFen",
            align: "right",
            render: (v: number, r: TopUp) => (
              <>
                {yuan(v)} {r.bonusEdited && <Tag color="orange">{t("bonusEdited")}</Tag>}
              </>
            ),
          },
          { title: t("points"), dataIndex: "points", align: "right" },
          { title: t("rule"), dataIndex: "ruleId", render: (v: string | null) => v ?? "—" },
          { title: t("payment"), dataIndex: ["payment", "method"] },
          { title: t("refunded"), dataIndex: ["refunded", "principalFen"], align: "right", render: (v: number) => (v > 0 ? yuan(v) : "—") },
          { title: t("actor"), dataIndex: "actor" },
          ...(isManager(s.user)
            ? [
                {
                  title: "",
                  key: "refund",
                  render: (_: unknown, r: TopUp) =>
                    r.refunded.principalFen < r.principalFen ? (
                      <Button size="small" onClick={() => setRefunding(r)} data-testid={`refund-${r.topUpId}`}>
                        退款 Refund
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      {refunding && <RefundDialog topUp={refunding} onClose={() => setRefunding(undefined)} onDone={onChanged} />}
    </>
  );
}

function Purchases({ id, version }: { id: string; version: number }) {
  const t = useT(S);
  const [open, setOpen] = useState<string | undefined>();
  const { data, error } = useLoad(() => api.GET("/bo/members/{id}/app/purchases", { params: { path: { id }, query: { limit: 100 } } }), version);
  const receipt = useLoad(
    async () => (open ? api.GET("/bo/members/{id}/app/purchases/{saleId}", { params: { path: { id, saleId: open } } }) : { data: undefined }),
    open ? open.length : 0,
  );
  return (
    <>
      <ErrorNote error={error} />
      <Table
        size="small"
        rowKey="saleId"
        dataSource={data?.purchases ?? []}
        pagination={{ pageSize: 10 }}
        columns={[
          { title: t("at"), dataIndex: "at", render: (v: number) => dateTime(v) },
          { title: t("total2"), dataIndex: "totalFen", align: "right", render: (v: number) => yuan(v) },
          { title: t("savings"), dataIndex: "savingsFen", align: "right", render: (v: number) => <Typography.Text type="success">-{yuan(v)}</Typography.Text> },
          { title: t("points"), dataIndex: "pointsEarned", align: "right" },
          {
            title: "",
            key: "r",
            render: (_: unknown, r: { saleId: string }) => (
              <Button size="small" onClick={() => setOpen(r.saleId)}>
                {t("receipt")}
              </Button>
            ),
          },
        ]}
      />
      <Modal open={open !== undefined} onCancel={() => setOpen(undefined)} footer={null} title={t("receipt")}>
        {receipt.data && "lines" in receipt.data ? (
          <Table
            size="small"
            pagination={false}
            rowKey={(l) => l.name}
            dataSource={receipt.data.lines}
            columns={[
              { title: t("name"), dataIndex: "name", render: (v: string, l: { name: string; qty: number }) => `${v} ×${l.qty}` },
              { title: t("amount"), dataIndex: "lineTotalFen", align: "right", render: (v: number) => yuan(v) },
            ]}
            summary={() => (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0}>{t("total2")}</Table.Summary.Cell>
                <Table.Summary.Cell index={1} align="right">
                  {yuan(receipt.data && "totalFen" in receipt.data ? receipt.data.totalFen : 0)}
                </Table.Summary.Cell>
              </Table.Summary.Row>
            )}
          />
        ) : (
          <ErrorNote error={receipt.error} />
        )}
      </Modal>
    </>
  );
}

function PlusRecords({ id, version }: { id: string; version: number }) {
  const t = useT(S);
  const { data, error } = useLoad(() => api.GET("/bo/members/{id}/plus/records", { params: { path: { id }, query: { limit: 100 } } }), version);
  return (
    <>
      <ErrorNote error={error} />
      <Table
        size="small"
        rowKey="id"
        dataSource={data?.records ?? []}
        pagination={{ pageSize: 10 }}
        data-testid="plus-records"
        columns={[
          { title: t("at"), dataIndex: "at", render: (v: number) => dateTime(v) },
          { title: t("kind"), dataIndex: "kind", render: (v: string) => (v === "renewal" ? t("plusRenewal") : v === "purchase" ? t("plusPurchase") : v) },
          { title: t("plan"), dataIndex: "planId" },
          { title: t("cardClass"), dataIndex: "cardClass" },
          { title: t("amount"), dataIndex: "feeFen", align: "right", render: (v: number) => yuan(v) },
          { title: t("bonusDays"), dataIndex: "bonusDays", align: "right" },
          { title: t("expires"), dataIndex: "expiresAt", render: (v: number) => dateTime(v) },
          { title: t("payment"), dataIndex: "paymentMethod" },
          { title: t("store"), dataIndex: "storeId" },
          { title: t("actor"), dataIndex: "actor" },
        ]}
      />
    </>
  );
}

function Headshot({ view, onChanged }: { view: MemberView; onChanged: () => void }) {
  const t = useT(S);
  const lang = useLang();
  const { message } = AntApp.useApp();
  const [reason, setReason] = useState("");
  const [asking, setAsking] = useState(false);
  const hash = view.member.headshotHash;
  if (!hash) return <Empty description={t("noHeadshot")} data-testid="no-headshot" />;
  const remove = async () => {
    const { error } = await api.DELETE("/bo/members/{id}/headshot", { params: { path: { id: view.member.memberId } }, body: { reason } });
    if (error) return void message.error(errorWords(error, lang).text);
    setAsking(false);
    void message.success(t("deleted"));
    onChanged();
  };
  return (
    <Card size="small" style={{ maxWidth: 320 }}>
      <Image
        width={240}
        src={`/bo/members/${encodeURIComponent(view.member.memberId)}/headshot?h=${hash.slice(0, 12)}`}
        alt="headshot"
        data-testid="headshot"
      />
      <div style={{ marginTop: 12 }}>
        <Button danger onClick={() => setAsking(true)} data-testid="headshot-delete">
          {t("deleteHeadshot")}
        </Button>
      </div>
      <Modal
        open={asking}
        title={t("deleteHeadshot")}
        onCancel={() => setAsking(false)}
        onOk={() => void remove()}
        okButtonProps={{ danger: true, disabled: reason.trim() === "", "data-testid": "headshot-delete-confirm" }}
      >
        <Typography.Paragraph>{t("deleteHeadshotReason")}</Typography.Paragraph>
        <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} data-testid="headshot-delete-reason" />
      </Modal>
    </Card>
  );
}

function Secondary({ id, version }: { id: string; version: number }) {
  const t = useT(S);
  const { data, error } = useLoad(() => api.GET("/bo/members/{id}/secondary-cards", { params: { path: { id } } }), version);
  return (
    <>
      <ErrorNote error={error} />
      {data && <Typography.Text type="secondary">{t("maxCards", { n: data.maxPerMember })}</Typography.Text>}
      <Table
        size="small"
        rowKey={(r) => String(r.cardRef)}
        dataSource={data?.cards ?? []}
        pagination={false}
        columns={[
          { title: t("cardId"), dataIndex: "cardRef" },
          { title: t("state"), dataIndex: "state" },
        ]}
      />
    </>
  );
}

function Audit({ id, version }: { id: string; version: number }) {
  const t = useT(S);
  const { data, error } = useLoad(() => api.GET("/bo/audit", { params: { query: { entity: "member", entityId: id, limit: 200 } } }), version);
  return (
    <>
      <ErrorNote error={error} />
      <Table
        size="small"
        rowKey="id"
        dataSource={data?.entries ?? []}
        pagination={{ pageSize: 10 }}
        data-testid="audit"
        columns={[
          { title: t("at"), dataIndex: "at", render: (v: number) => dateTime(v) },
          { title: t("action"), dataIndex: "action" },
          { title: t("actor"), dataIndex: "actor", render: (v: string, r: { role: string | null }) => (r.role ? `${v} (${r.role})` : v) },
          { title: t("store"), dataIndex: "storeId", render: (v: string | null) => v ?? "—" },
          { title: t("note"), dataIndex: "note", render: (v: string | null) => v ?? "" },
        ]}
      />
    </>
  );
}

export function MemberTabs({ view, version, onChanged }: { view: MemberView; version: number; onChanged: () => void }) {
  const t = useT(S);
  const s = useSession();
  const id = view.member.memberId;
  const coupons = view.member.coupons;
  const items = [
    { key: "points", label: t("tabPoints"), children: <Ledger id={id} kind="points" version={version} /> },
    { key: "balance", label: t("tabBalance"), children: <Ledger id={id} kind="balance" version={version} /> },
    { key: "top-ups", label: t("tabTopUps"), children: <TopUps id={id} version={version} onChanged={onChanged} /> },
    {
      key: "coupons",
      label: `${t("tabCoupons")} (${coupons.length})`,
      children: (
        <Table
          size="small"
          rowKey="couponId"
          dataSource={coupons}
          pagination={{ pageSize: 10 }}
          columns={[
            { title: t("coupon"), dataIndex: "couponId" },
            { title: t("expires"), dataIndex: "expiresOn", render: (v?: string) => v ?? "—" },
          ]}
        />
      ),
    },
    { key: "purchases", label: t("tabPurchases"), children: <Purchases id={id} version={version} /> },
    { key: "plus", label: t("tabPlus"), children: <PlusRecords id={id} version={version} /> },
    { key: "secondary", label: t("tabSecondary"), children: <Secondary id={id} version={version} /> },
    { key: "headshot", label: t("tabHeadshot"), children: <Headshot view={view} onChanged={onChanged} /> },
    ...(isManager(s.user) ? [{ key: "audit", label: t("tabAudit"), children: <Audit id={id} version={version} /> }] : []),
  ];
  return (
    <Card size="small">
      <Tabs items={items} destroyOnHidden data-testid="member-tabs" />
    </Card>
  );
}
