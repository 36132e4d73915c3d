// HQ configuration screen: edit the chain's level discounts in a form, preview (diff + a sample cart priced under both), publish with a first wave, watch the rollout per kiosk, stop / continue, roll back.
import { useCallback, useEffect, useState } from "react";
import { App as AntApp, Button, Card, Col, Input, InputNumber, Row, Select, Space, Statistic, Table, Tag, Typography } from "antd";
import { api, isApiError } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { dateTime, yuan } from "../shared/format";
import { useLang } from "../shared/i18n";
import { useSession } from "../shared/session";
import { ConfigTabs } from "./ConfigForms";

type StoreConfig = operations["getConfigStoresStore"]["responses"][200]["content"]["application/json"];
type Preview = operations["postConfigPreview"]["responses"][200]["content"]["application/json"];
type Rollout = operations["getRolloutsRolloutId"]["responses"][200]["content"]["application/json"];
type Versions = operations["getStoresStoreConfigVersions"]["responses"][200]["content"]["application/json"];
interface LevelRow {
  id: string;
  name: string;
  discountPercent?: number;
  [k: string]: unknown;
}
interface Product {
  sku: string;
  name: string;
  priceFen: number;
}

const STATUS_COLOUR: Record<string, string> = { waiting: "default", sent: "processing", applied: "success", ignored: "warning", failed: "error" };

export function ConfigPage() {
  const zh = useLang() === "zh";
  const s = useSession();
  const store = s.storeId;
  const { message } = AntApp.useApp();
  const [cfg, setCfg] = useState<StoreConfig | undefined>();
  const [levels, setLevels] = useState<LevelRow[]>([]);
  const [cart, setCart] = useState<{ sku?: string; qty: number; levelId?: string }>({ qty: 1 });
  const [preview, setPreview] = useState<Preview | undefined>();
  const [firstWave, setFirstWave] = useState<string[]>([]);
  const [rollout, setRollout] = useState<Rollout | undefined>();
  const [versions, setVersions] = useState<Versions["versions"]>([]);
  const [rollbackTo, setRollbackTo] = useState<number | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [overridesText, setOverridesText] = useState("");

  const inForceRules = (cfg?.inForce?.content as { rules?: { levels?: LevelRow[]; catalog?: Product[] } } | undefined)?.rules;
  const chainRules = (cfg?.chain as { rules?: Record<string, unknown> } | null | undefined)?.rules;

  const load = useCallback(async () => {
    if (!store) return;
    const [c, v, r] = await Promise.all([
      api.GET("/bo/config/stores/{store}", { params: { path: { store } } }),
      api.GET("/bo/stores/{store}/config/versions", { params: { path: { store } } }),
      api.GET("/bo/stores/{store}/rollouts", { params: { path: { store } } }),
    ]);
    if (c.error) return setError(c.error);
    setCfg(c.data);
    setOverridesText(JSON.stringify(c.data.overrides ?? {}, null, 2));
    const rules =
      (c.data.chain as { rules?: { levels?: LevelRow[] } } | null)?.rules ??
      (c.data.inForce?.content as { rules?: { levels?: LevelRow[] } } | undefined)?.rules;
    setLevels((rules?.levels ?? []).map((l) => ({ ...l })));
    setVersions(v.data?.versions ?? []);
    setRollout(r.data?.rollouts[0]);
  }, [store]);
  useEffect(() => void load(), [load]);

  // The rollout view refreshes while a rollout is in progress.
  useEffect(() => {
    if (rollout?.state !== "in-progress") return;
    const t = setInterval(() => {
      void api.GET("/bo/rollouts/{rolloutId}", { params: { path: { rolloutId: rollout.id } } }).then(({ data }) => data && setRollout(data));
    }, 1000);
    return () => clearInterval(t);
  }, [rollout?.id, rollout?.state]);

  const draftLayer = (): Record<string, unknown> => {
    const chain = (cfg?.chain ?? {}) as Record<string, unknown>;
    return { ...chain, rules: { ...(chainRules ?? inForceRules ?? {}), levels } };
  };
  // Only a changed level table is sent: the other forms save their own fields, and a large catalog stays on the hub.
  const levelsChanged = (): boolean => JSON.stringify(levels) !== JSON.stringify(chainRules?.levels ?? inForceRules?.levels ?? []);

  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };

  const doPreview = () =>
    run(async () => {
      const sample = cart.sku
        ? { at: Date.now(), member: cart.levelId ? { id: "preview", levelId: cart.levelId } : null, lines: [{ sku: cart.sku, qty: cart.qty }] }
        : undefined;
      const { data, error: e } = await api.POST("/bo/config/preview", {
        body: { scope: "chain", storeId: store, ...(levelsChanged() ? { layer: draftLayer() } : {}), ...(sample ? { cart: sample } : {}) },
      });
      if (e) return setError(e);
      setPreview(data);
    });

  const doPublish = () =>
    run(async () => {
      if (levelsChanged()) {
        const saved = await api.PUT("/bo/config/fields", { body: { set: { rules: { levels } } } });
        if (saved.error) return setError(saved.error);
      }
      const { data, error: e } = await api.POST("/bo/stores/{store}/config/publish", {
        params: { path: { store } },
        body: firstWave.length ? { rollout: { firstWave: { devices: firstWave } } } : {},
      });
      if (e) return setError(e);
      void message.success(zh ? `已发布版本 ${data.version}` : `Published version ${data.version}`);
      setRollout(data.rollout);
      setPreview(undefined);
      await load();
    });

  const doRollback = () =>
    run(async () => {
      if (rollbackTo === undefined) return;
      const { data, error: e } = await api.POST("/bo/stores/{store}/config/rollback", {
        params: { path: { store } },
        body: { toVersion: rollbackTo, ...(firstWave.length ? { rollout: { firstWave: { devices: firstWave } } } : {}) },
      });
      if (e) return setError(e);
      void message.success(zh ? `已回滚：版本 ${data.version}（内容同版本 ${rollbackTo}）` : `Rolled back: version ${data.version} (content of ${rollbackTo})`);
      setRollout(data.rollout);
      await load();
    });

  const stopOrContinue = (kind: "stop" | "continue") =>
    run(async () => {
      if (!rollout) return;
      const path = { params: { path: { rolloutId: rollout.id } } };
      const r =
        kind === "stop"
          ? await api.POST("/bo/rollouts/{rolloutId}/stop", { ...path, body: { reason: zh ? "控制台手动停止" : "stopped from the console" } })
          : await api.POST("/bo/rollouts/{rolloutId}/continue", { ...path, body: {} });
      if (r.error) return setError(r.error);
      setRollout(r.data);
    });

  const saveOverrides = () =>
    run(async () => {
      let layer: Record<string, unknown>;
      try {
        layer = JSON.parse(overridesText) as Record<string, unknown>;
      } catch {
        return setError({ error: "INVALID_INPUT", message: zh ? "不是有效的 JSON" : "not valid JSON" });
      }
      const { error: e } = await api.PUT("/bo/config/stores/{store}/overrides", { params: { path: { store } }, body: { layer } });
      if (e) return setError(e);
      void message.success(zh ? "门店覆盖已保存（尚未发布）" : "Store overrides saved (not yet published)");
      await load();
    });

  const devices = rollout?.targets.map((t) => t.deviceId) ?? [];
  const wi = preview?.whatIf;
  const main = (
    <Space direction="vertical" style={{ width: "100%" }}>
      <ErrorNote error={error} />
      {isApiError(error) && (
        <Typography.Paragraph data-testid="error-detail">
          <Typography.Text code>{error.message}</Typography.Text>
        </Typography.Paragraph>
      )}
      <Card
        title={`${zh ? "会员等级折扣（总部默认）" : "Level discounts (chain defaults)"} · ${zh ? "门店" : "store"} ${store} · ${zh ? "生效版本" : "in force"} v${cfg?.inForce?.version ?? "—"}`}
      >
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={levels}
          columns={[
            { title: "id", dataIndex: "id" },
            { title: zh ? "名称" : "Name", dataIndex: "name" },
            {
              title: zh ? "支付比例 %（90 = 九折）" : "Pays % (90 = 10% off)",
              render: (_: unknown, l: LevelRow) => (
                <InputNumber
                  min={0}
                  max={100}
                  value={l.discountPercent ?? 100}
                  onChange={(v) => setLevels((ls) => ls.map((x) => (x.id === l.id ? { ...x, discountPercent: Number(v ?? 100) } : x)))}
                  data-testid={`level-discount-${l.id}`}
                />
              ),
            },
          ]}
        />
      </Card>
      <Card title={zh ? "预览：样例购物车 What-if" : "Preview: sample cart (what-if)"}>
        <Space wrap>
          <Select
            style={{ minWidth: 220 }}
            placeholder={zh ? "商品" : "Product"}
            value={cart.sku}
            onChange={(sku: string) => setCart((c) => ({ ...c, sku }))}
            options={(inForceRules?.catalog ?? []).map((p) => ({ value: p.sku, label: `${p.name} ${yuan(p.priceFen)}` }))}
            data-testid="cart-sku"
          />
          <InputNumber min={1} max={999} value={cart.qty} onChange={(q) => setCart((c) => ({ ...c, qty: Number(q ?? 1) }))} data-testid="cart-qty" />
          <Select
            style={{ minWidth: 140 }}
            allowClear
            placeholder={zh ? "会员等级" : "Member level"}
            value={cart.levelId}
            onChange={(levelId?: string) => setCart((c) => ({ ...c, levelId }))}
            options={levels.map((l) => ({ value: l.id, label: `${l.name} (${l.id})` }))}
            data-testid="cart-level"
          />
          <Button type="primary" loading={busy} onClick={() => void doPreview()} data-testid="preview">
            {zh ? "预览差异与价格" : "Preview diff and prices"}
          </Button>
        </Space>
        {wi && (
          <Row gutter={16} style={{ marginTop: 16 }}>
            <Col span={12}>
              <Statistic
                title={`${zh ? "生效版本" : "In force"} v${wi.inForce?.version ?? "—"}`}
                value={yuan(wi.inForce?.totals.totalFen)}
                data-testid="whatif-inforce"
              />
            </Col>
            <Col span={12}>
              <Statistic title={`${zh ? "草稿" : "Draft"} v${wi.draft.version ?? "—"}`} value={yuan(wi.draft.totals.totalFen)} data-testid="whatif-draft" />
            </Col>
          </Row>
        )}
        {preview && (
          <Table
            style={{ marginTop: 16 }}
            size="small"
            rowKey="path"
            pagination={false}
            data-testid="diff"
            locale={{ emptyText: zh ? "与生效版本相同" : "Same as the version in force" }}
            dataSource={preview.diff.changes}
            columns={[
              { title: zh ? "字段" : "Field", dataIndex: "path" },
              { title: zh ? "原值" : "Before", dataIndex: "before", render: (v: unknown) => JSON.stringify(v) },
              { title: zh ? "新值" : "After", dataIndex: "after", render: (v: unknown) => JSON.stringify(v) },
            ]}
          />
        )}
      </Card>
      <Card title={zh ? "发布与回滚" : "Publish and roll back"}>
        <Space wrap>
          <Select
            mode="tags"
            style={{ minWidth: 240 }}
            placeholder={zh ? "第一批终端（空 = 全部）" : "First wave kiosks (empty = all)"}
            value={firstWave}
            onChange={setFirstWave}
            options={devices.map((d) => ({ value: d, label: d }))}
            data-testid="first-wave"
          />
          <Button type="primary" danger loading={busy} disabled={!preview} onClick={() => void doPublish()} data-testid="publish">
            {zh ? "保存并发布" : "Save and publish"}
          </Button>
          <Select
            style={{ minWidth: 200 }}
            placeholder={zh ? "回滚到版本" : "Roll back to version"}
            value={rollbackTo}
            onChange={setRollbackTo}
            options={versions.filter((v) => !v.inForce).map((v) => ({ value: v.version, label: `v${v.version} · ${dateTime(v.createdAt)}` }))}
            data-testid="rollback-version"
          />
          <Button loading={busy} disabled={rollbackTo === undefined} onClick={() => void doRollback()} data-testid="rollback">
            {zh ? "回滚（发布新版本）" : "Roll back (as a new version)"}
          </Button>
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {zh
            ? "发布前请先预览。回滚会以旧内容发布一个更高的新版本，终端只接受更新的版本。"
            : "Preview before publishing. A rollback publishes a new, higher version with the old content: kiosks accept only newer versions."}
        </Typography.Paragraph>
      </Card>
      <Card title={zh ? `门店 ${store} 覆盖（JSON，高级）` : `Store ${store} overrides (JSON, advanced)`}>
        <Typography.Paragraph type="secondary">
          {zh ? "未知字段会被拒绝并指出字段路径。继承自总部默认：" : "Unknown keys are refused with their path. Inherited from the chain defaults: "}
          {[...(cfg?.inherits.rules ?? []).map((k) => `rules.${k}`), ...(cfg?.inherits.device ?? []).map((k) => `device.${k}`)].join(", ") || "—"}
        </Typography.Paragraph>
        <Input.TextArea
          rows={6}
          value={overridesText}
          onChange={(e) => setOverridesText(e.target.value)}
          style={{ fontFamily: "monospace" }}
          data-testid="overrides-json"
        />
        <Button style={{ marginTop: 8 }} loading={busy} onClick={() => void saveOverrides()} data-testid="overrides-save">
          {zh ? "保存门店覆盖" : "Save store overrides"}
        </Button>
      </Card>
      {rollout && (
        <Card
          title={`${zh ? "发布进度" : "Rollout"} #${rollout.id} · v${rollout.version}`}
          extra={
            <Space>
              <Tag color={rollout.state === "completed" ? "success" : rollout.state === "stopped" ? "error" : "processing"} data-testid="rollout-state">
                {rollout.state}
              </Tag>
              {rollout.state === "in-progress" && (
                <Button size="small" onClick={() => void stopOrContinue("stop")} data-testid="rollout-stop">
                  {zh ? "停止" : "Stop"}
                </Button>
              )}
              {rollout.state === "stopped" && (
                <Button size="small" onClick={() => void stopOrContinue("continue")} data-testid="rollout-continue">
                  {zh ? "继续" : "Continue"}
                </Button>
              )}
            </Space>
          }
        >
          {rollout.reason && <Typography.Text type="danger">{rollout.reason}</Typography.Text>}
          <Table
            size="small"
            rowKey="deviceId"
            pagination={false}
            dataSource={rollout.targets}
            data-testid="rollout-targets"
            columns={[
              { title: zh ? "终端" : "Kiosk", dataIndex: "deviceId" },
              { title: zh ? "批次" : "Wave", dataIndex: "wave" },
              {
                title: zh ? "状态" : "Status",
                dataIndex: "status",
                render: (v: string, t) => (
                  <Tag color={STATUS_COLOUR[v]} data-testid={`target-${t.deviceId}`}>
                    {v}
                  </Tag>
                ),
              },
              { title: zh ? "目标版本" : "Desired", dataIndex: "desiredVersion" },
              { title: zh ? "已应用" : "Applied", dataIndex: "appliedVersion" },
              { title: zh ? "错误" : "Error", dataIndex: "error" },
            ]}
          />
        </Card>
      )}
    </Space>
  );
  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="config-page">
      <ConfigTabs main={main} cfg={cfg} reload={load} />
    </Space>
  );
}
