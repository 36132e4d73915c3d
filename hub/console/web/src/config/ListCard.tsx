// One list section of the rules as an editable table (add, remove, edit each item's fields, key=value records too), on the chain defaults or a store's overrides (a store's list replaces the chain's whole list: marked, with reset to chain); checked with the kiosks' item schema, the hub's error shown in the row and column it names.
import { useMemo, useState } from "react";
import { App as AntApp, Button, Card, Input, InputNumber, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { z } from "zod";
import { api, isApiError } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { useLang, useT } from "../shared/i18n";
import { chainBase, type LayerView } from "./FieldsCard";
import { getPath, setPath } from "./fields";
import type { ColDef, ListDef } from "./lists";
import { KvInput, rangeList, rangeTags } from "./KvInput";
import { S } from "./strings";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Drops empty values ("" / undefined / empty objects) so optional fields stay absent, as the schemas want. */
function clean(v: unknown): unknown {
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    const c = clean(x);
    if (c === undefined || c === "" || (isObj(c) && Object.keys(c).length === 0)) continue;
    out[k] = c;
  }
  return out;
}

/** Row and column a hub error names (`config: rules.coupons.3.offFen: ...`). */
export function cellOfError(message: string, def: ListDef): { row: number; col?: string } | undefined {
  const m = new RegExp(`${def.path.replaceAll(".", "\\.")}\\.(\\d+)(?:\\.([A-Za-z0-9_.]+))?`).exec(message);
  if (!m) return undefined;
  const rest = m[2];
  const col = rest ? def.columns.find((c) => rest === c.path || rest.startsWith(`${c.path}.`) || c.path.startsWith(`${rest}.`)) : undefined;
  return { row: Number(m[1]), ...(col ? { col: col.path } : {}) };
}

function idCounts(v: unknown, key: string): string[] {
  return Array.isArray(v) ? v.map((e) => (isObj(e) ? `${String(e[key])}${Number(e.count ?? 1) > 1 ? `*${e.count}` : ""}` : String(e))) : [];
}

export function ListCard({ def, view, onSaved }: { def: ListDef; view: LayerView; onSaved: () => Promise<void> }) {
  const zh = useLang() === "zh";
  const t = useT(S);
  const { message } = AntApp.useApp();
  const own = getPath(view.scope === "store" ? view.overrides : view.chain, def.path);
  const inheritedList = getPath(chainBase(view), def.path);
  const overridden = view.scope === "store" && Array.isArray(own);
  const [rows, setRows] = useState<Obj[] | undefined>();
  const [reset, setReset] = useState(false);
  const [hubError, setHubError] = useState<{ cell?: { row: number; col?: string }; error: unknown } | undefined>();
  const [busy, setBusy] = useState(false);
  const saved = ((overridden && !reset ? own : view.scope === "chain" && Array.isArray(own) ? own : inheritedList) ?? []) as Obj[];
  const current = rows ?? saved;

  const clientErrors = useMemo(() => {
    if (!rows) return {} as Record<string, string>;
    const r = z.array(def.item).safeParse(rows.map(clean));
    const errs: Record<string, string> = {};
    if (r.success) return errs;
    for (const issue of r.error.issues) {
      const cell = cellOfError([def.path, ...issue.path.map(String)].join("."), def);
      if (cell) errs[`${cell.row}:${cell.col ?? ""}`] ??= issue.message;
    }
    return errs;
  }, [rows, def]);

  const edit = (i: number, col: ColDef, v: unknown) => {
    setHubError(undefined);
    setReset(false);
    setRows((rs) => (rs ?? saved).map((r, j) => (j === i ? setPath(r, col.path, v) : r)));
  };
  const save = async () => {
    setBusy(true);
    setHubError(undefined);
    try {
      const storeId = view.scope === "store" ? { storeId: view.storeId } : {};
      const body = reset && !rows ? { ...storeId, reset: [def.path] } : { ...storeId, set: setPath({}, def.path, current.map(clean)) };
      const { error } = await api.PUT("/bo/config/fields", { body });
      if (error) {
        const cell = isApiError(error) ? cellOfError(error.message, def) : undefined;
        return setHubError({ ...(cell ? { cell } : {}), error });
      }
      void message.success(t("savedDraft"));
      const sent = rows;
      try {
        await onSaved(); // the table keeps what was saved until the reloaded view has it (as FieldsCard)
      } finally {
        // Rows edited while the save was on its way stay, still to save.
        setRows((now) => (now === sent ? undefined : now));
        setReset(false);
      }
    } finally {
      setBusy(false);
    }
  };

  const input = (col: ColDef, r: Obj, i: number) => {
    const v = getPath(r, col.path);
    const id = `list-${def.key}-${i}-${col.path}`;
    switch (col.kind) {
      case "boolean":
        return <Switch size="small" checked={v === true} onChange={(x) => edit(i, col, x)} data-testid={id} />;
      case "enum":
        return (
          <Select
            style={{ minWidth: 120 }}
            value={v === undefined ? "" : String(v)}
            onChange={(x: string) => edit(i, col, x === "" ? undefined : x)}
            options={(col.options ?? []).map((o) => ({ value: o, label: o === "" ? "—" : o }))}
            data-testid={id}
          />
        );
      case "tags":
      case "numtags":
        return (
          <Select
            mode="tags"
            style={{ minWidth: 140 }}
            value={Array.isArray(v) ? v.map(String) : []}
            options={(col.options ?? []).map((o) => ({ value: o, label: o }))}
            onChange={(x: string[]) => edit(i, col, col.kind === "numtags" ? x.map(Number) : x)}
            data-testid={id}
          />
        );
      case "idcount":
        return (
          <Select
            mode="tags"
            style={{ minWidth: 160 }}
            value={idCounts(v, col.idKey ?? "id")}
            onChange={(x: string[]) =>
              edit(
                i,
                col,
                x.map((s) => {
                  const [idPart, n] = s.split("*");
                  return { [col.idKey ?? "id"]: idPart?.trim(), count: n ? Number(n) : 1 };
                }),
              )
            }
            data-testid={id}
          />
        );
      case "ranges":
        return (
          <Select
            mode="tags"
            style={{ minWidth: 200 }}
            value={rangeTags(v)}
            onChange={(x: string[]) => edit(i, col, x.length > 0 ? rangeList(x) : undefined)}
            placeholder="0-1000=l95"
            data-testid={id}
          />
        );
      case "kv":
        return <KvInput value={v} unit={col.kvValue ?? "text"} onChange={(x) => edit(i, col, x)} testId={id} width={180} />;
      case "yuan":
        return (
          <InputNumber
            style={{ width: 110 }}
            step={0.01}
            min={0}
            value={typeof v === "number" ? v / 100 : null}
            onChange={(x) => edit(i, col, x === null ? undefined : Math.round(Number(x) * 100))}
            data-testid={id}
          />
        );
      case "number":
        return (
          <InputNumber
            style={{ width: 100 }}
            value={typeof v === "number" ? v : null}
            onChange={(x) => edit(i, col, x === null ? undefined : Number(x))}
            data-testid={id}
          />
        );
      default:
        return <Input style={{ width: 140 }} value={typeof v === "string" ? v : ""} onChange={(e) => edit(i, col, e.target.value)} data-testid={id} />;
    }
  };

  const cellError = (i: number, col?: string): string | undefined => {
    if (hubError?.cell && hubError.cell.row === i && hubError.cell.col === col && isApiError(hubError.error)) return hubError.error.message;
    return clientErrors[`${i}:${col ?? ""}`];
  };
  const columns = [
    ...def.columns.map((col) => ({
      title: zh ? col.label[0] : col.label[1],
      key: col.path,
      render: (_: unknown, r: Obj, i: number) => {
        const err = cellError(i, col.path);
        return (
          <Space direction="vertical" size={0}>
            {input(col, r, i)}
            {err && (
              <Typography.Text type="danger" style={{ fontSize: 12 }} data-testid={`list-error-${def.key}-${i}-${col.path}`}>
                {err}
              </Typography.Text>
            )}
          </Space>
        );
      },
    })),
    {
      title: "",
      key: "_remove",
      render: (_: unknown, _r: Obj, i: number) => (
        <Space direction="vertical" size={0}>
          <Button
            size="small"
            danger
            icon={<DeleteOutlined />}
            onClick={() => setRows(current.filter((_x, j) => j !== i))}
            data-testid={`list-remove-${def.key}-${i}`}
          />
          {cellError(i) && <Typography.Text type="danger">{cellError(i)}</Typography.Text>}
        </Space>
      ),
    },
  ];
  const dirty = rows !== undefined || reset;
  return (
    <Card
      size="small"
      style={{ marginBottom: 12 }}
      data-testid={`list-${def.key}`}
      title={zh ? def.title[0] : def.title[1]}
      extra={
        view.scope === "store" && (
          <Space>
            <Tag color={(overridden && !reset) || rows ? "orange" : "blue"} data-testid={`list-marker-${def.key}`}>
              {(overridden && !reset) || rows ? t("overridden") : t("inherited")}
            </Tag>
            {(overridden || rows) && !reset && (
              <Button
                size="small"
                type="link"
                onClick={() => {
                  setRows(undefined);
                  setReset(true);
                }}
                data-testid={`list-reset-${def.key}`}
              >
                {t("resetToChain")}
              </Button>
            )}
          </Space>
        )
      }
    >
      <Table size="small" rowKey={(_r, i) => String(i)} pagination={false} scroll={{ x: true }} dataSource={current} columns={columns} />
      {hubError && !hubError.cell && <ErrorNote error={hubError.error} />}
      {hubError && !hubError.cell && isApiError(hubError.error) && <Typography.Text type="danger">{hubError.error.message}</Typography.Text>}
      <Space style={{ marginTop: 8 }}>
        <Button icon={<PlusOutlined />} onClick={() => setRows([...current, def.newItem()])} data-testid={`list-add-${def.key}`}>
          {t("addItem")}
        </Button>
        <Button
          type="primary"
          disabled={!dirty || Object.keys(clientErrors).length > 0}
          loading={busy}
          onClick={() => void save()}
          data-testid={`list-save-${def.key}`}
        >
          {view.scope === "chain" ? t("saveChain") : t("saveStore", { store: view.storeId })}
        </Button>
      </Space>
    </Card>
  );
}
