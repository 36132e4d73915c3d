// One member: profile, level and balances, card class and VIP/PLUS, the counter's actions for this role, and the ledgers below.
import { useCallback, useEffect, useState } from "react";
import { Button, Card, Descriptions, Result, Space, Spin, Tag, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { date, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { go } from "../shared/route";
import { isManager, useSession } from "../shared/session";
import { CounterActions } from "../counter/CounterActions";
import { MemberTabs } from "./MemberTabs";
import { S } from "./strings";

export type MemberView = operations["getMembersId"]["responses"][200]["content"]["application/json"];
export type Balances = operations["getMembersIdLedger"]["responses"][200]["content"]["application/json"]["balances"];

export function MemberPage({ memberId }: { memberId: string }) {
  const t = useT(S);
  const s = useSession();
  const [view, setView] = useState<MemberView | undefined>();
  const [balances, setBalances] = useState<Balances | undefined>();
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the reload trigger (reload() bumps it)
  useEffect(() => {
    let live = true;
    void Promise.all([
      api.GET("/bo/members/{id}", { params: { path: { id: memberId } } }),
      api.GET("/bo/members/{id}/ledger", { params: { path: { id: memberId }, query: { kind: "balance", limit: 1 } } }),
    ]).then(([m, l]) => {
      if (!live) return;
      if (m.data) setView(m.data);
      else setError(m.error);
      if (l.data) setBalances(l.data.balances);
    });
    return () => {
      live = false;
    };
  }, [memberId, version]);

  if (error) return <Result status="warning" title={<ErrorNote error={error} />} extra={<Button onClick={() => go("members")}>{t("back")}</Button>} />;
  if (!view) return <Spin style={{ display: "block", margin: "20vh auto" }} />;
  const m = view.member;
  const p = view.profile;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="member-page">
      <Card
        title={
          <Space wrap>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="member-name">
              {m.name}
            </Typography.Title>
            <Typography.Text type="secondary">{m.memberId}</Typography.Text>
            {m.status === "blocked" ? <Tag color="red">{t("blocked")}</Tag> : <Tag color="green">{t("active")}</Tag>}
            {view.vip.active ? <Tag color="gold">VIP · {t("until", { date: date(view.vip.cardValidUntil ?? m.vipExpiresAt) })}</Tag> : null}
            {view.plus.active ? <Tag color="purple">PLUS · {t("until", { date: date(view.plus.expiresAt) })}</Tag> : null}
          </Space>
        }
        extra={<Button onClick={() => go("members")}>{t("back")}</Button>}
      >
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3, xxl: 4 }} bordered styles={{ label: { whiteSpace: "nowrap" } }}>
          <Descriptions.Item label={t("balance")}>
            <span data-testid="balance">{yuan(m.balanceFen)}</span>
            {balances && (
              <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
                {t("principal")} {yuan(balances.principalFen)} · {t("bonus")} {yuan(balances.bonusFen)}
              </Typography.Text>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t("points")}>
            <span data-testid="points">{m.pointsBalance}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t("level")}>
            <span data-testid="level">{m.levelId}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
              {t("growth")} {view.level.growth} · {t("levelSince")} {view.level.levelSince}
            </Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t("cardClass")}>
            <span data-testid="card-class">{view.effectiveCardClass}</span>
            {m.vipExpiresAt ? (
              <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
                {t("vipUntil")} {date(m.vipExpiresAt)}
              </Typography.Text>
            ) : null}
          </Descriptions.Item>
          <Descriptions.Item label={t("plus")}>
            <span data-testid="plus-state" data-ms={view.plus.expiresAt ?? undefined}>
              {view.plus.expiresAt === null ? (
                t("none")
              ) : (
                <>
                  {view.plus.active ? <Tag color="purple">{t("plusActive")}</Tag> : <Tag>{t("plusLapsed")}</Tag>}
                  {t("plusSince", { date: date(view.plus.since) })} · {t("plusExpires", { date: date(view.plus.expiresAt) })}
                </>
              )}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t("cardId")}>{m.cardId}</Descriptions.Item>
          <Descriptions.Item label={t("phone")}>{p.phone ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("gender")}>{p.gender ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("birthDate")}>{p.birthDate ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("homeStore")}>{p.homeStoreId ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("issuedOn")}>{p.cardIssuedOn}</Descriptions.Item>
          <Descriptions.Item label={t("channel")}>{p.channel}</Descriptions.Item>
          <Descriptions.Item label={t("cardKey")}>
            <span data-testid="card-key-state">
              {p.cardKeyState === "enrolled" ? t("keyEnrolled") : <Typography.Text type="warning">{t("keyNone")}</Typography.Text>}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t("shoppingCards")}>
            {view.shoppingCards.count} · {yuan(view.shoppingCards.totalFen)}
          </Descriptions.Item>
          <Descriptions.Item label={t("consultant")}>{view.consultant?.consultantId ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("portrait")}>
            {view.portraits ? (
              <Space size={4} wrap>
                <Tag>{view.portraits.frequency}</Tag>
                {view.portraits.tags.map((x) => (
                  <Tag key={x} color="blue">
                    {x}
                  </Tag>
                ))}
              </Space>
            ) : (
              "—"
            )}
          </Descriptions.Item>
          {view.primaryMemberId && <Descriptions.Item label={t("tabSecondary")}>{t("secondaryOf", { id: view.primaryMemberId })}</Descriptions.Item>}
          {p.blockedReason && <Descriptions.Item label={t("blockedReason")}>{p.blockedReason}</Descriptions.Item>}
        </Descriptions>
        <CounterActions view={view} storeId={s.storeId} manager={isManager(s.user)} onDone={reload} />
      </Card>
      <MemberTabs view={view} version={version} onChanged={reload} />
    </Space>
  );
}
