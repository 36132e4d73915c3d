// The fleet screen: the store's kiosks (presence, last seen, config desired/applied, outbox, clock offset, hardware, software, last command) with filters, remote commands with their outcome, the command log, and adding a kiosk (one-time token and the command for the Pi).
import { useCallback, useEffect, useState } from "react";
import { Button, Card, Col, Input, Modal, Row, Segmented, Space, Statistic, Table, Tag, Tooltip, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { dateTime } from "../shared/format";
import { useT } from "../shared/i18n";
import { isHq, useSession } from "../shared/session";
import { CommandDialog, STATUS_COLOUR, useOutcomeWords, type CommandRow } from "./CommandDialog";
import { S } from "./strings";

type Fleet = operations["getStoresStoreFleet"]["responses"][200]["content"]["application/json"];
type Kiosk = Fleet["kiosks"][number];
type Filter = "all" | "behind" | "offline" | "errors";
type Grant = operations["postStoresStoreKiosksProvision"]["responses"][201]["content"]["application/json"];

const PRESENCE_COLOUR: Record<string, string> = { online: "success", stale: "warning", offline: "error", never: "default" };
const LEVEL_COLOUR: Record<string, string> = { ok: "green", degraded: "orange", down: "red", disabled: "default" };

function ago(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m}min` : `${Math.round(m / 60)}h`;
}

export function FleetPage() {
  const t = useT(S);
  const words = useOutcomeWords();
  const s = useSession();
  const store = s.storeId;
  const [filter, setFilter] = useState<Filter>("all");
  const [fleet, setFleet] = useState<Fleet | undefined>();
  const [commands, setCommands] = useState<CommandRow[]>([]);
  const [error, setError] = useState<unknown>();
  const [target, setTarget] = useState<Kiosk | undefined>();
  const [provisioning, setProvisioning] = useState(false);

  const load = useCallback(async () => {
    if (!store) return;
    const [f, c] = await Promise.all([
      api.GET("/bo/stores/{store}/fleet", { params: { path: { store }, query: filter === "all" ? {} : { filter } } }),
      api.GET("/bo/stores/{store}/kiosk-commands", { params: { path: { store }, query: { limit: 20 } } }),
    ]);
    if (f.error) return setError(f.error);
    setError(undefined);
    setFleet(f.data);
    setCommands(c.data?.commands ?? []);
  }, [store, filter]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 3000);
    return () => clearInterval(timer);
  }, [load]);

  const counts = fleet?.counts;
  const now = fleet?.now ?? Date.now();
  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="fleet-page">
      <ErrorNote error={error} />
      <Row gutter={12}>
        {(
          [
            ["total", counts?.total],
            ["online", counts?.online],
            ["behind", counts?.behind],
            ["offlineLong", counts?.offlineLong],
            ["errors", counts?.errors],
          ] as const
        ).map(([k, v]) => (
          <Col key={k} xs={12} md={4}>
            <Card size="small">
              <Statistic title={t(k)} value={v ?? "—"} data-testid={`count-${k}`} />
            </Card>
          </Col>
        ))}
      </Row>
      <Card
        title={`${t("title")} · ${store}`}
        extra={
          <Space wrap>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("refreshed")}
            </Typography.Text>
            {isHq(s.user) && (
              <Button onClick={() => setProvisioning(true)} data-testid="provision-open">
                {t("provision")}
              </Button>
            )}
          </Space>
        }
      >
        <Segmented<Filter>
          value={filter}
          onChange={setFilter}
          options={[
            { value: "all", label: t("all") },
            { value: "behind", label: t("behind") },
            { value: "offline", label: t("offlineLong") },
            { value: "errors", label: t("errors") },
          ]}
          style={{ marginBottom: 12 }}
          data-testid="fleet-filter"
        />
        <Table<Kiosk>
          size="small"
          rowKey="deviceId"
          pagination={false}
          dataSource={fleet?.kiosks ?? []}
          locale={{ emptyText: t("none") }}
          scroll={{ x: 1100 }}
          onRow={(k) => ({ "data-testid": `kiosk-row-${k.deviceId}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t("device"), dataIndex: "deviceId", fixed: "left" },
            {
              title: t("presence"),
              render: (_: unknown, k) => (
                <Tag color={PRESENCE_COLOUR[k.presence]} data-testid={`presence-${k.deviceId}`} data-presence={k.presence}>
                  {t(`p.${k.presence}`)}
                </Tag>
              ),
            },
            { title: t("lastSeen"), render: (_: unknown, k) => (k.lastSeenAt ? `${dateTime(k.lastSeenAt)} (${ago(now - k.lastSeenAt)})` : "—") },
            {
              title: t("config"),
              render: (_: unknown, k) => (
                <Tooltip title={k.config.error ?? undefined}>
                  <Tag color={k.config.error ? "red" : k.config.applied < k.config.desired ? "orange" : "green"} data-testid={`config-${k.deviceId}`}>
                    v{k.config.desired} / v{k.config.applied}
                  </Tag>
                </Tooltip>
              ),
            },
            {
              title: t("outbox"),
              render: (_: unknown, k) =>
                k.outboxDepth === null ? "—" : `${k.outboxDepth}${k.oldestUnsentAt ? ` · ${t("oldest")} ${ago(now - k.oldestUnsentAt)}` : ""}`,
            },
            { title: t("clock"), render: (_: unknown, k) => (k.clockOffsetMs === null ? "—" : `${k.clockOffsetMs} ms`) },
            {
              title: t("hardware"),
              width: 260,
              render: (_: unknown, k) => (
                <Space size={2} wrap>
                  {k.health.drivers
                    .filter((d) => ["camera", "printer", "gpio", "scanner", "storage", "clock"].includes(d.component))
                    .map((d) => (
                      <Tooltip key={d.component} title={[d.driver, d.errorCode, d.message].filter(Boolean).join(" · ")}>
                        <Tag color={LEVEL_COLOUR[d.level] ?? "default"} data-testid={`hw-${k.deviceId}-${d.component}`}>
                          {d.component}
                        </Tag>
                      </Tooltip>
                    ))}
                </Space>
              ),
            },
            { title: t("software"), render: (_: unknown, k) => (k.software ? `${k.software.version} (${k.software.runtime})` : "—") },
            {
              title: t("lastCommand"),
              render: (_: unknown, k) =>
                k.lastCommand ? (
                  <Tooltip title={`${words(k.lastCommand)} ${k.lastCommand.message ?? ""}`}>
                    <Tag color={STATUS_COLOUR[k.lastCommand.status]} data-testid={`last-command-${k.deviceId}`} data-status={k.lastCommand.status}>
                      {t(`c.${k.lastCommand.type}` as keyof typeof S) || k.lastCommand.type} · {t(`s.${k.lastCommand.status}`)}
                    </Tag>
                  </Tooltip>
                ) : (
                  "—"
                ),
            },
            {
              title: t("actions"),
              fixed: "right",
              render: (_: unknown, k) => (
                <Button size="small" onClick={() => setTarget(k)} data-testid={`command-${k.deviceId}`}>
                  {t("command")}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <Card title={t("commands")} size="small">
        <Table<CommandRow>
          size="small"
          rowKey="commandId"
          pagination={false}
          dataSource={commands}
          data-testid="command-history"
          columns={[
            { title: t("at"), render: (_: unknown, c) => dateTime(c.issuedAt) },
            { title: t("device"), dataIndex: "deviceId" },
            { title: t("command"), render: (_: unknown, c) => t(`c.${c.type}` as keyof typeof S) || c.type },
            { title: t("by"), render: (_: unknown, c) => `${c.actor} (${c.actorRole})` },
            {
              title: t("outcome"),
              render: (_: unknown, c) => (
                <Space size={4}>
                  <Tag color={STATUS_COLOUR[c.status]}>{t(`s.${c.status}`)}</Tag>
                  <span>{words(c)}</span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {c.code ?? ""} {c.message ?? ""}
                  </Typography.Text>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {target && (
        <CommandDialog
          deviceId={target.deviceId}
          online={target.presence === "online"}
          onClose={() => {
            setTarget(undefined);
            void load();
          }}
        />
      )}
      {provisioning && <ProvisionDialog store={store} onClose={() => setProvisioning(false)} />}
    </Space>
  );
}

function ProvisionDialog({ store, onClose }: { store: string; onClose: () => void }) {
  const t = useT(S);
  const [deviceId, setDeviceId] = useState("");
  const [grant, setGrant] = useState<Grant | undefined>();
  const [error, setError] = useState<unknown>();
  const make = async () => {
    setError(undefined);
    const { data, error: e } = await api.POST("/bo/stores/{store}/kiosks/provision", { params: { path: { store } }, body: { deviceId: deviceId.trim() } });
    if (e) return setError(e);
    setGrant(data);
  };
  return (
    <Modal open title={t("provisionTitle")} onCancel={onClose} footer={null} data-testid="provision-dialog">
      <Space direction="vertical" style={{ width: "100%" }}>
        <Space.Compact style={{ width: "100%" }}>
          <Input
            placeholder={t("provisionId")}
            value={deviceId}
            disabled={!!grant}
            onChange={(e) => setDeviceId(e.target.value)}
            data-testid="provision-device"
          />
          <Button type="primary" disabled={!deviceId.trim() || !!grant} onClick={() => void make()} data-testid="provision-make">
            {t("provisionMake")}
          </Button>
        </Space.Compact>
        <ErrorNote error={error} />
        {grant && (
          <>
            <Typography.Paragraph>{t("provisionOnce", { until: dateTime(grant.expiresAt) })}</Typography.Paragraph>
            <Typography.Paragraph code copyable data-testid="provision-command">
              {grant.command}
            </Typography.Paragraph>
          </>
        )}
      </Space>
    </Modal>
  );
}
